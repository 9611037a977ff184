//! Demo data: a context with two users, their folders and sample objects.
