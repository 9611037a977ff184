-- WebDAV-Push: the subscriptions clients register on a folder's collection, and which
-- of them owe a message. A change-log row of a folder with subscriptions marks each of
-- them pending (or counts one more change of a pending one); a dispatcher on any
-- replica claims due rows, sends, and removes them. Folders without subscriptions cost
-- one index probe per change.
CREATE TABLE push_subscriptions (
    id             TEXT PRIMARY KEY,
    context_id     BIGINT NOT NULL,
    folder_id      BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    push_resource  TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    auth_secret    TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    UNIQUE (context_id, folder_id, push_resource),
    FOREIGN KEY (context_id, folder_id) REFERENCES folders (context_id, id) ON DELETE CASCADE,
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (context_id, user_id);
CREATE INDEX push_subscriptions_expiry ON push_subscriptions (expires_at);

-- due_at: epoch milliseconds of the first change not yet sent (or of the next attempt
-- after a failure); generation counts changes, so a change during sending is not lost;
-- claimed_until: the lease of the replica sending it.
CREATE TABLE push_pending (
    subscription_id TEXT PRIMARY KEY REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    due_at          BIGINT NOT NULL,
    generation      BIGINT NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_until   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX push_pending_due ON push_pending (due_at);

CREATE FUNCTION davgate_push_pending() RETURNS trigger AS $$
BEGIN
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
    ON CONFLICT (subscription_id) DO UPDATE SET generation = push_pending.generation + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER changes_push AFTER INSERT OR UPDATE ON changes
    FOR EACH ROW EXECUTE FUNCTION davgate_push_pending();
