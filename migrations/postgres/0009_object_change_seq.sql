-- Each member's latest change sequence kept on its row (`objects.change_seq`), so that an
-- initial sync reads `objects` alone, by sequence, instead of joining `changes` (which
-- PostgreSQL plans as a nested loop over the folder's changes until the tables have
-- statistics). A BEFORE trigger takes the sequence for the row and the change-log
-- trigger records the change under that same sequence. 0: a member whose change was
-- never logged (written before the change log existed).

ALTER TABLE objects ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;

-- The backfill must not count as a change of every member.
ALTER TABLE objects DISABLE TRIGGER USER;
UPDATE objects o SET change_seq = c.seq
  FROM changes c
 WHERE c.context_id = o.context_id AND c.folder_id = o.folder_id
   AND c.resource_name = o.resource_name AND NOT c.deleted;
ALTER TABLE objects ENABLE TRIGGER USER;

CREATE INDEX objects_change_seq ON objects (context_id, folder_id, change_seq);

-- Upserts a member's change under a sequence taken before (by davgate_object_sequenced).
CREATE FUNCTION davgate_record_change_at(ctx BIGINT, folder BIGINT, name TEXT, at_seq BIGINT,
                                         member_creator BIGINT)
RETURNS void AS $$
BEGIN
    INSERT INTO changes (context_id, folder_id, resource_name, seq, deleted, changed_at, creator)
    VALUES (ctx, folder, name, at_seq, FALSE, EXTRACT(EPOCH FROM now())::BIGINT, member_creator)
    ON CONFLICT (context_id, folder_id, resource_name)
    DO UPDATE SET seq = EXCLUDED.seq, deleted = EXCLUDED.deleted, changed_at = EXCLUDED.changed_at,
                  creator = EXCLUDED.creator;
END
$$ LANGUAGE plpgsql;

-- Takes the context's next sequence for a written member (0 while its context is being
-- deleted: nothing is logged then).
CREATE FUNCTION davgate_object_sequenced() RETURNS trigger AS $$
DECLARE
    next_seq BIGINT;
BEGIN
    UPDATE context_counters SET seq = seq + 1 WHERE context_id = NEW.context_id
    RETURNING seq INTO next_seq;
    NEW.change_seq := COALESCE(next_seq, 0);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER objects_sequenced BEFORE INSERT OR UPDATE ON objects
    FOR EACH ROW EXECUTE FUNCTION davgate_object_sequenced();

CREATE OR REPLACE FUNCTION davgate_object_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.folder_id <> NEW.folder_id
            OR OLD.resource_name <> NEW.resource_name)) THEN
        PERFORM davgate_record_change(OLD.context_id, OLD.folder_id, OLD.resource_name, TRUE,
                                      OLD.user_id);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.change_seq > 0 THEN
        PERFORM davgate_record_change_at(NEW.context_id, NEW.folder_id, NEW.resource_name,
                                         NEW.change_seq, NEW.user_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
