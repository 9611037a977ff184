-- The groupware data model: contexts (tenants), users, groups, resources, folders with
-- OX-style permissions, calendar objects and contacts, dead properties, config attributes.
-- Timestamps are seconds since the Unix epoch (BIGINT) in both stores.

CREATE TABLE contexts (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL
);

-- Per-context counters: `seq` is the change sequence behind sync tokens and ctags,
-- `floor_seq` the oldest sequence a sync token may still name (older tombstones pruned),
-- the next_* columns hand out numeric ids the way OX numbers entities and folders.
CREATE TABLE context_counters (
    context_id      BIGINT PRIMARY KEY REFERENCES contexts (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL DEFAULT 0,
    floor_seq       BIGINT NOT NULL DEFAULT 0,
    next_entity_id  BIGINT NOT NULL DEFAULT 2,
    next_folder_id  BIGINT NOT NULL DEFAULT 20
);

-- Login mappings: the domains (or other names) that select a context at login.
CREATE TABLE login_mappings (
    mapping     TEXT PRIMARY KEY,
    context_id  BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE
);

-- Attributes of a context (user_id = 0) or a user: `taxonomy/types`, `config/<property>`.
CREATE TABLE attributes (
    context_id  BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    is_final    BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (context_id, user_id, name)
);

CREATE TABLE users (
    context_id     BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    id             BIGINT NOT NULL,
    login          TEXT NOT NULL,
    mail           TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (context_id, id),
    UNIQUE (context_id, login),
    UNIQUE (context_id, mail)
);
CREATE INDEX users_mail ON users (LOWER(mail));

CREATE TABLE user_aliases (
    context_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    alias       TEXT NOT NULL,
    PRIMARY KEY (context_id, alias),
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);
CREATE INDEX user_aliases_alias ON user_aliases (LOWER(alias));

-- Module permissions (calendar, contacts, tasks, infostore, caldav, carddav, ...).
CREATE TABLE user_permissions (
    context_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    module      TEXT NOT NULL,
    PRIMARY KEY (context_id, user_id, module),
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);

CREATE TABLE user_groups (
    context_id    BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    PRIMARY KEY (context_id, id),
    UNIQUE (context_id, name)
);

CREATE TABLE group_members (
    context_id  BIGINT NOT NULL,
    group_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    PRIMARY KEY (context_id, group_id, user_id),
    FOREIGN KEY (context_id, group_id) REFERENCES user_groups (context_id, id) ON DELETE CASCADE,
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);

CREATE TABLE resources (
    context_id    BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    id            BIGINT NOT NULL,
    name          TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    mail          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    PRIMARY KEY (context_id, id),
    UNIQUE (context_id, name)
);

-- Folders: module calendar | contacts | tasks (system folders: system); type private | public.
-- "shared" is how a private folder looks to a user other than its owner.
CREATE TABLE folders (
    context_id     BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    id             BIGINT NOT NULL,
    parent_id      BIGINT NOT NULL,
    module         TEXT NOT NULL,
    folder_type    TEXT NOT NULL,
    owner_id       BIGINT,
    name           TEXT NOT NULL,
    color          TEXT,
    description    TEXT,
    is_default     BOOLEAN NOT NULL DEFAULT FALSE,
    subscribed     BOOLEAN NOT NULL DEFAULT TRUE,
    used_for_sync  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     BIGINT NOT NULL,
    modified_at    BIGINT NOT NULL,
    PRIMARY KEY (context_id, id)
);

-- OX permission bits per user or group (entity 0 with is_group = all users):
-- folder 0 none, 1 see, 2 create objects, 4 create subfolders, 128 max;
-- read/write/delete 0 none, 1 own, 2 all, 128 max.
CREATE TABLE folder_permissions (
    context_id   BIGINT NOT NULL,
    folder_id    BIGINT NOT NULL,
    entity       BIGINT NOT NULL,
    is_group     BOOLEAN NOT NULL,
    folder_perm  INTEGER NOT NULL,
    read_perm    INTEGER NOT NULL,
    write_perm   INTEGER NOT NULL,
    delete_perm  INTEGER NOT NULL,
    is_admin     BOOLEAN NOT NULL,
    PRIMARY KEY (context_id, folder_id, entity, is_group),
    FOREIGN KEY (context_id, folder_id) REFERENCES folders (context_id, id) ON DELETE CASCADE
);
CREATE INDEX folder_permissions_entity ON folder_permissions (context_id, entity, is_group);

-- Calendar objects (component VEVENT / VTODO) and contacts (VCARD), stored as the client
-- sent them, with index columns extracted on write. resource_name is the client's file
-- name, kept apart from the UID.
CREATE TABLE objects (
    context_id     BIGINT NOT NULL,
    folder_id      BIGINT NOT NULL,
    resource_name  TEXT NOT NULL,
    uid            TEXT NOT NULL,
    component      TEXT NOT NULL,
    data           BYTEA NOT NULL,
    etag           TEXT NOT NULL DEFAULT '',
    start_at       BIGINT,
    end_at         BIGINT,
    display_name   TEXT,
    user_id        BIGINT,
    created_at     BIGINT NOT NULL,
    modified_at    BIGINT NOT NULL,
    PRIMARY KEY (context_id, folder_id, resource_name),
    UNIQUE (context_id, folder_id, uid),
    FOREIGN KEY (context_id, folder_id) REFERENCES folders (context_id, id) ON DELETE CASCADE
);
CREATE INDEX objects_time ON objects (context_id, folder_id, start_at, end_at);

-- WebDAV dead properties of collections (resource_name = '') and objects.
CREATE TABLE dead_properties (
    context_id     BIGINT NOT NULL,
    folder_id      BIGINT NOT NULL,
    resource_name  TEXT NOT NULL,
    namespace      TEXT NOT NULL,
    name           TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (context_id, folder_id, resource_name, namespace, name),
    FOREIGN KEY (context_id, folder_id) REFERENCES folders (context_id, id) ON DELETE CASCADE
);

-- The change log behind sync tokens: the latest change of each member (resource_name) and
-- of the folder itself (resource_name = ''), with the per-context sequence it got.
-- Deleted members stay as tombstones until pruned. Written only by the triggers below.
CREATE TABLE changes (
    context_id     BIGINT NOT NULL,
    folder_id      BIGINT NOT NULL,
    resource_name  TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    deleted        BOOLEAN NOT NULL,
    changed_at     BIGINT NOT NULL,
    PRIMARY KEY (context_id, folder_id, resource_name)
);
CREATE INDEX changes_seq ON changes (context_id, folder_id, seq);
