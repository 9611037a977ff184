-- The creator of each member, recorded with its change: in a folder where users may read
-- only their own members, a tombstone shows only to the user who created the member.
-- Tombstones written before this migration have no creator and show only to users who
-- may read every member of their folder.

ALTER TABLE changes ADD COLUMN creator BIGINT;

CREATE FUNCTION davgate_record_change(ctx BIGINT, folder BIGINT, name TEXT, is_deleted BOOLEAN,
                                      member_creator BIGINT)
RETURNS void AS $$
DECLARE
    next_seq BIGINT;
BEGIN
    UPDATE context_counters SET seq = seq + 1 WHERE context_id = ctx RETURNING seq INTO next_seq;
    IF next_seq IS NULL THEN
        RETURN; -- the context itself is being deleted
    END IF;
    INSERT INTO changes (context_id, folder_id, resource_name, seq, deleted, changed_at, creator)
    VALUES (ctx, folder, name, next_seq, is_deleted, EXTRACT(EPOCH FROM now())::BIGINT, member_creator)
    ON CONFLICT (context_id, folder_id, resource_name)
    DO UPDATE SET seq = EXCLUDED.seq, deleted = EXCLUDED.deleted, changed_at = EXCLUDED.changed_at,
                  creator = EXCLUDED.creator;
END
$$ LANGUAGE plpgsql;

-- Changes of a folder itself have no creator.
CREATE OR REPLACE FUNCTION davgate_record_change(ctx BIGINT, folder BIGINT, name TEXT, is_deleted BOOLEAN)
RETURNS void AS $$
BEGIN
    PERFORM davgate_record_change(ctx, folder, name, is_deleted, NULL::BIGINT);
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION davgate_object_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.folder_id <> NEW.folder_id
            OR OLD.resource_name <> NEW.resource_name)) THEN
        PERFORM davgate_record_change(OLD.context_id, OLD.folder_id, OLD.resource_name, TRUE,
                                      OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM davgate_record_change(NEW.context_id, NEW.folder_id, NEW.resource_name, FALSE,
                                      NEW.user_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
