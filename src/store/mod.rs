//! The groupware store: contexts, users, folders, objects, change log.
