-- Each member's latest change sequence kept on its row (`objects.change_seq`), so that an
-- initial sync reads `objects` alone, by sequence, instead of joining `changes`. The
-- change-log triggers copy the sequence they recorded onto the row. 0: a member whose
-- change was never logged (written before the change log existed).
--
-- Only an update of the columns below counts as a change of a member: the triggers'
-- own update of change_seq must not. A later migration that adds a column to `objects`
-- adds it to objects_updated too.

ALTER TABLE objects ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER objects_updated;

-- The backfill, with no trigger left that would count it as a change.
UPDATE objects SET change_seq = COALESCE((SELECT c.seq FROM changes c
    WHERE c.context_id = objects.context_id AND c.folder_id = objects.folder_id
      AND c.resource_name = objects.resource_name AND NOT c.deleted), 0);

CREATE INDEX objects_change_seq ON objects (context_id, folder_id, change_seq);

CREATE TRIGGER objects_updated AFTER UPDATE OF context_id, folder_id, resource_name, uid,
    component, data, etag, start_at, end_at, display_name, user_id, created_at, modified_at
    ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
    UPDATE changes SET creator = NEW.user_id WHERE context_id = NEW.context_id
       AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
    UPDATE objects SET change_seq = COALESCE((SELECT seq FROM changes
        WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
          AND resource_name = NEW.resource_name), 0)
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
       AND resource_name = NEW.resource_name;
END;

DROP TRIGGER objects_inserted;
CREATE TRIGGER objects_inserted AFTER INSERT ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
    UPDATE changes SET creator = NEW.user_id WHERE context_id = NEW.context_id
       AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
    UPDATE objects SET change_seq = COALESCE((SELECT seq FROM changes
        WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
          AND resource_name = NEW.resource_name), 0)
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
       AND resource_name = NEW.resource_name;
END;
