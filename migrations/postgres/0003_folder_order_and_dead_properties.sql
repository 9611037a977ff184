-- Calendar order (Apple's calendar-order) on folders, and dead properties that follow
-- their member: removed with it, carried along when it moves or is renamed. Dead
-- properties of a collection (resource_name '') count as a change of the folder.

ALTER TABLE folders ADD COLUMN sort_order INTEGER;

CREATE FUNCTION davgate_object_dead_properties() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM dead_properties WHERE context_id = OLD.context_id
           AND folder_id = OLD.folder_id AND resource_name = OLD.resource_name;
    ELSIF OLD.folder_id <> NEW.folder_id OR OLD.resource_name <> NEW.resource_name THEN
        DELETE FROM dead_properties WHERE context_id = NEW.context_id
           AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
        UPDATE dead_properties SET folder_id = NEW.folder_id, resource_name = NEW.resource_name
         WHERE context_id = OLD.context_id AND folder_id = OLD.folder_id
           AND resource_name = OLD.resource_name;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER objects_dead_properties AFTER UPDATE OR DELETE ON objects
    FOR EACH ROW EXECUTE FUNCTION davgate_object_dead_properties();

-- davgate_folder_part_changed (0002) records a change of the folder itself, and none
-- while the folder is being deleted.
CREATE TRIGGER dead_properties_written AFTER INSERT OR UPDATE ON dead_properties
    FOR EACH ROW WHEN (NEW.resource_name = '') EXECUTE FUNCTION davgate_folder_part_changed();

CREATE TRIGGER dead_properties_removed AFTER DELETE ON dead_properties
    FOR EACH ROW WHEN (OLD.resource_name = '') EXECUTE FUNCTION davgate_folder_part_changed();
