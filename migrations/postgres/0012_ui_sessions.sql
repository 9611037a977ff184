-- Sessions of the browser page (`<prefix>/ui/`): the SHA-256 of the random token the
-- session cookie carries (never the token itself), whose they are (with the login the
-- user typed, which client setups offer), the token forms must
-- send back (CSRF) and when they end. Kept in the store so every replica knows them.
CREATE TABLE ui_sessions (
    token_hash  TEXT PRIMARY KEY,
    context_id  BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    csrf_token  TEXT NOT NULL,
    login       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);
CREATE INDEX ui_sessions_user ON ui_sessions (context_id, user_id, created_at);
CREATE INDEX ui_sessions_expiry ON ui_sessions (expires_at);
