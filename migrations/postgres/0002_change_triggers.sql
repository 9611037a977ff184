-- Change-log triggers: any writer of the groupware tables (davgate, another service,
-- psql) moves the per-context sequence, so later syncs see its changes.

CREATE FUNCTION davgate_record_change(ctx BIGINT, folder BIGINT, name TEXT, is_deleted BOOLEAN)
RETURNS void AS $$
DECLARE
    next_seq BIGINT;
BEGIN
    UPDATE context_counters SET seq = seq + 1 WHERE context_id = ctx RETURNING seq INTO next_seq;
    IF next_seq IS NULL THEN
        RETURN; -- the context itself is being deleted
    END IF;
    INSERT INTO changes (context_id, folder_id, resource_name, seq, deleted, changed_at)
    VALUES (ctx, folder, name, next_seq, is_deleted, EXTRACT(EPOCH FROM now())::BIGINT)
    ON CONFLICT (context_id, folder_id, resource_name)
    DO UPDATE SET seq = EXCLUDED.seq, deleted = EXCLUDED.deleted, changed_at = EXCLUDED.changed_at;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION davgate_context_created() RETURNS trigger AS $$
BEGIN
    INSERT INTO context_counters (context_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER contexts_counters AFTER INSERT ON contexts
    FOR EACH ROW EXECUTE FUNCTION davgate_context_created();

-- A writer that changes the payload without a new etag gets one computed here, equal to
-- what davgate itself computes (hex SHA-256 of the stored bytes).
CREATE FUNCTION davgate_object_etag() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.etag = '' THEN
            NEW.etag := encode(sha256(NEW.data), 'hex');
        END IF;
    ELSIF NEW.data IS DISTINCT FROM OLD.data AND NEW.etag = OLD.etag THEN
        NEW.etag := encode(sha256(NEW.data), 'hex');
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER objects_etag BEFORE INSERT OR UPDATE ON objects
    FOR EACH ROW EXECUTE FUNCTION davgate_object_etag();

CREATE FUNCTION davgate_object_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND (OLD.folder_id <> NEW.folder_id
            OR OLD.resource_name <> NEW.resource_name)) THEN
        PERFORM davgate_record_change(OLD.context_id, OLD.folder_id, OLD.resource_name, TRUE);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM davgate_record_change(NEW.context_id, NEW.folder_id, NEW.resource_name, FALSE);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER objects_changes AFTER INSERT OR UPDATE OR DELETE ON objects
    FOR EACH ROW EXECUTE FUNCTION davgate_object_changed();

-- Folder rows, their permissions and dead properties count as a change of the folder
-- itself (resource_name ''): it moves the ctag and the home collection's sync token.
CREATE FUNCTION davgate_folder_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM davgate_record_change(OLD.context_id, OLD.id, '', TRUE);
    ELSE
        PERFORM davgate_record_change(NEW.context_id, NEW.id, '', FALSE);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER folders_changes AFTER INSERT OR UPDATE OR DELETE ON folders
    FOR EACH ROW EXECUTE FUNCTION davgate_folder_changed();

CREATE FUNCTION davgate_folder_part_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM folders WHERE context_id = OLD.context_id AND id = OLD.folder_id) THEN
            PERFORM davgate_record_change(OLD.context_id, OLD.folder_id, '', FALSE);
        END IF;
    ELSE
        PERFORM davgate_record_change(NEW.context_id, NEW.folder_id, '', FALSE);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER folder_permissions_changes AFTER INSERT OR UPDATE OR DELETE ON folder_permissions
    FOR EACH ROW EXECUTE FUNCTION davgate_folder_part_changed();
