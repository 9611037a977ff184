-- WebDAV-Push for the aggregated address book (`/carddav/Contacts/`), which spans
-- several contact folders and is one user's own view of them.
--
-- A subscription is of a kind: 'folder' (one folder's collection, as before: folder_id
-- set) or 'aggregated-contacts' (a user's aggregated address book: no folder, user_id
-- says whose). last_token is the sync token the last message of an aggregated
-- subscription carried (or the book's token when it was registered): the dispatcher
-- sends only when the book's token, computed with the user's current rights and
-- configuration, differs from it. Folder subscriptions leave it NULL.
--
-- SQLite cannot drop a NOT NULL constraint, so both push tables are made anew and
-- their rows copied (push_pending refers to push_subscriptions; dropping the old
-- subscriptions first would cascade to it). The triggers on `changes` name the tables,
-- so they go first and come back below.
DROP TRIGGER changes_push_inserted;
DROP TRIGGER changes_push_updated;

CREATE TABLE push_subscriptions_0017 (
    id             TEXT PRIMARY KEY,
    context_id     BIGINT NOT NULL,
    folder_id      BIGINT,
    user_id        BIGINT NOT NULL,
    push_resource  TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    auth_secret    TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    kind           TEXT NOT NULL DEFAULT 'folder',
    last_token     TEXT,
    UNIQUE (context_id, folder_id, push_resource),
    CONSTRAINT push_subscriptions_kind CHECK (
        (kind = 'folder' AND folder_id IS NOT NULL)
        OR (kind = 'aggregated-contacts' AND folder_id IS NULL)),
    FOREIGN KEY (context_id, folder_id) REFERENCES folders (context_id, id) ON DELETE CASCADE,
    FOREIGN KEY (context_id, user_id) REFERENCES users (context_id, id) ON DELETE CASCADE
);
INSERT INTO push_subscriptions_0017 (id, context_id, folder_id, user_id, push_resource,
        public_key, auth_secret, created_at, expires_at)
    SELECT id, context_id, folder_id, user_id, push_resource, public_key, auth_secret,
           created_at, expires_at
      FROM push_subscriptions;

CREATE TABLE push_pending_0017 (
    subscription_id TEXT PRIMARY KEY REFERENCES push_subscriptions_0017 (id) ON DELETE CASCADE,
    due_at          BIGINT NOT NULL,
    generation      BIGINT NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    claimed_until   BIGINT NOT NULL DEFAULT 0
);
INSERT INTO push_pending_0017 (subscription_id, due_at, generation, attempts, claimed_until)
    SELECT subscription_id, due_at, generation, attempts, claimed_until FROM push_pending;

DROP TABLE push_pending;
DROP TABLE push_subscriptions;
ALTER TABLE push_subscriptions_0017 RENAME TO push_subscriptions;
ALTER TABLE push_pending_0017 RENAME TO push_pending;

CREATE INDEX push_subscriptions_user ON push_subscriptions (context_id, user_id);
CREATE INDEX push_subscriptions_expiry ON push_subscriptions (expires_at);
-- One aggregated subscription per user and push resource; also the index the change
-- triggers probe per contacts change (empty for contexts without such subscriptions).
CREATE UNIQUE INDEX push_subscriptions_aggregated
    ON push_subscriptions (context_id, user_id, push_resource)
    WHERE kind = 'aggregated-contacts';
CREATE INDEX push_pending_due ON push_pending (due_at);

-- A change-log row marks the subscriptions of its folder, as before, and the context's
-- aggregated subscriptions if the folder is a contacts folder or the row records a
-- folder that is gone (a deletion). Folder rows and permissions are logged as changes
-- of the folder (resource_name ''), so sharing, unsharing and new shared folders mark
-- them too. An aggregated row already pending counts a further change only while a
-- dispatcher holds it (claimed_until set): only then can the count tell that a change
-- came during sending, and a bulk change in a context with many aggregated
-- subscriptions rewrites no row per change and subscription.
CREATE TRIGGER changes_push_inserted AFTER INSERT ON changes BEGIN
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
    ON CONFLICT (subscription_id) DO UPDATE SET generation = generation + 1;
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND kind = 'aggregated-contacts'
       AND (EXISTS (SELECT 1 FROM folders
                     WHERE context_id = NEW.context_id AND id = NEW.folder_id
                       AND module = 'contacts')
            OR (NEW.resource_name = ''
                AND NOT EXISTS (SELECT 1 FROM folders
                                 WHERE context_id = NEW.context_id AND id = NEW.folder_id)))
    ON CONFLICT (subscription_id) DO UPDATE SET generation = generation + 1
     WHERE claimed_until <> 0;
END;

CREATE TRIGGER changes_push_updated AFTER UPDATE ON changes BEGIN
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
    ON CONFLICT (subscription_id) DO UPDATE SET generation = generation + 1;
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND kind = 'aggregated-contacts'
       AND (EXISTS (SELECT 1 FROM folders
                     WHERE context_id = NEW.context_id AND id = NEW.folder_id
                       AND module = 'contacts')
            OR (NEW.resource_name = ''
                AND NOT EXISTS (SELECT 1 FROM folders
                                 WHERE context_id = NEW.context_id AND id = NEW.folder_id)))
    ON CONFLICT (subscription_id) DO UPDATE SET generation = generation + 1
     WHERE claimed_until <> 0;
END;
