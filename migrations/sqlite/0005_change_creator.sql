-- The creator of each member, recorded with its change: in a folder where users may read
-- only their own members, a tombstone shows only to the user who created the member.
-- Tombstones written before this migration have no creator and show only to users who
-- may read every member of their folder.

ALTER TABLE changes ADD COLUMN creator BIGINT;

DROP TRIGGER objects_inserted;
CREATE TRIGGER objects_inserted AFTER INSERT ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
    UPDATE changes SET creator = NEW.user_id WHERE context_id = NEW.context_id
       AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
END;

DROP TRIGGER objects_moved;
CREATE TRIGGER objects_moved AFTER UPDATE ON objects
    WHEN OLD.folder_id <> NEW.folder_id OR OLD.resource_name <> NEW.resource_name BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, OLD.resource_name, 1);
    UPDATE changes SET creator = OLD.user_id WHERE context_id = OLD.context_id
       AND folder_id = OLD.folder_id AND resource_name = OLD.resource_name;
END;

DROP TRIGGER objects_updated;
CREATE TRIGGER objects_updated AFTER UPDATE ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
    UPDATE changes SET creator = NEW.user_id WHERE context_id = NEW.context_id
       AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
END;

DROP TRIGGER objects_deleted;
CREATE TRIGGER objects_deleted AFTER DELETE ON objects BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, OLD.resource_name, 1);
    UPDATE changes SET creator = OLD.user_id WHERE context_id = OLD.context_id
       AND folder_id = OLD.folder_id AND resource_name = OLD.resource_name;
END;
