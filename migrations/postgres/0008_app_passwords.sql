-- App-specific passwords: extra passwords of a user, each with a label, a scope (all,
-- caldav or carddav, optionally read-only) and when it was last used. `prefix` is the
-- non-secret first group of the generated password, unique per user, so a login checks
-- one hash only; `password_hash` is argon2id like the main password's.
CREATE TABLE app_passwords (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    context_id     BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    prefix         TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    label          TEXT NOT NULL,
    scope          TEXT NOT NULL,
    read_only      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    UNIQUE (context_id, user_id, prefix),
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);
