-- Calendar order (Apple's calendar-order) on folders, and dead properties that follow
-- their member: removed with it, carried along when it moves or is renamed. Dead
-- properties of a collection (resource_name '') count as a change of the folder.

ALTER TABLE folders ADD COLUMN sort_order INTEGER;

CREATE TRIGGER objects_dead_properties_deleted AFTER DELETE ON objects BEGIN
    DELETE FROM dead_properties WHERE context_id = OLD.context_id
       AND folder_id = OLD.folder_id AND resource_name = OLD.resource_name;
END;

CREATE TRIGGER objects_dead_properties_moved AFTER UPDATE ON objects
    WHEN OLD.folder_id <> NEW.folder_id OR OLD.resource_name <> NEW.resource_name BEGIN
    DELETE FROM dead_properties WHERE context_id = NEW.context_id
       AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
    UPDATE dead_properties SET folder_id = NEW.folder_id, resource_name = NEW.resource_name
     WHERE context_id = OLD.context_id AND folder_id = OLD.folder_id
       AND resource_name = OLD.resource_name;
END;

CREATE TRIGGER dead_properties_inserted AFTER INSERT ON dead_properties
    WHEN NEW.resource_name = '' BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, '', 0);
END;

CREATE TRIGGER dead_properties_updated AFTER UPDATE ON dead_properties
    WHEN NEW.resource_name = '' BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, '', 0);
END;

CREATE TRIGGER dead_properties_deleted AFTER DELETE ON dead_properties
    WHEN OLD.resource_name = ''
     AND EXISTS (SELECT 1 FROM folders WHERE context_id = OLD.context_id AND id = OLD.folder_id) BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, '', 0);
END;
