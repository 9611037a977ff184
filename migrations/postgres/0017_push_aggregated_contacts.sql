-- WebDAV-Push for the aggregated address book (`/carddav/Contacts/`), which spans
-- several contact folders and is one user's own view of them.
--
-- A subscription is of a kind: 'folder' (one folder's collection, as before: folder_id
-- set) or 'aggregated-contacts' (a user's aggregated address book: no folder, user_id
-- says whose). last_token is the sync token the last message of an aggregated
-- subscription carried (or the book's token when it was registered): the dispatcher
-- sends only when the book's token, computed with the user's current rights and
-- configuration, differs from it. Folder subscriptions leave it NULL.
ALTER TABLE push_subscriptions
    ALTER COLUMN folder_id DROP NOT NULL,
    ADD COLUMN kind TEXT NOT NULL DEFAULT 'folder',
    ADD COLUMN last_token TEXT,
    ADD CONSTRAINT push_subscriptions_kind CHECK (
        (kind = 'folder' AND folder_id IS NOT NULL)
        OR (kind = 'aggregated-contacts' AND folder_id IS NULL));

-- One aggregated subscription per user and push resource; also the index the change
-- trigger probes per contacts change (empty for contexts without such subscriptions).
CREATE UNIQUE INDEX push_subscriptions_aggregated
    ON push_subscriptions (context_id, user_id, push_resource)
    WHERE kind = 'aggregated-contacts';

-- A change-log row marks the subscriptions of its folder, as before, and, when the
-- context has aggregated subscriptions, all of them if the folder is a contacts folder
-- or the row records a folder that is gone (a deletion). Folder rows and permissions
-- are logged as changes of the folder (resource_name ''), so sharing, unsharing and
-- new shared folders mark them too. An aggregated row already pending counts a further
-- change only while a dispatcher holds it (claimed_until set): only then can the count
-- tell that a change came during sending, and a bulk change in a context with many
-- aggregated subscriptions writes no row per change and subscription.
CREATE OR REPLACE FUNCTION davgate_push_pending() RETURNS trigger AS $$
DECLARE
    now_ms BIGINT := (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT;
BEGIN
    INSERT INTO push_pending (subscription_id, due_at)
    SELECT id, now_ms
      FROM push_subscriptions
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
    ON CONFLICT (subscription_id) DO UPDATE SET generation = push_pending.generation + 1;
    IF EXISTS (SELECT 1 FROM push_subscriptions
                WHERE context_id = NEW.context_id AND kind = 'aggregated-contacts')
       AND (EXISTS (SELECT 1 FROM folders
                     WHERE context_id = NEW.context_id AND id = NEW.folder_id
                       AND module = 'contacts')
            OR (NEW.resource_name = ''
                AND NOT EXISTS (SELECT 1 FROM folders
                                 WHERE context_id = NEW.context_id AND id = NEW.folder_id)))
    THEN
        INSERT INTO push_pending (subscription_id, due_at)
        SELECT id, now_ms
          FROM push_subscriptions
         WHERE context_id = NEW.context_id AND kind = 'aggregated-contacts'
        ON CONFLICT (subscription_id) DO UPDATE SET generation = push_pending.generation + 1
         WHERE push_pending.claimed_until <> 0;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
