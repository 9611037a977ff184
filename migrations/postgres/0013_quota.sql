-- Quota usage (RFC 4331 and OX's per-module object quotas), kept by triggers on every
-- write of `objects` (davgate's or any other writer's), never computed by scanning.
--
-- One row per (context, user, module): the bytes and number of the members of the
-- folders `user` owns in `module` (calendar, tasks, contacts; the folder's own module).
-- A public folder without owner counts under user 0. user_id -1 holds the whole
-- context's totals per module, which OX's object-count quotas limit.
CREATE TABLE quota_usage (
    context_id  BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    module      TEXT NOT NULL,
    bytes       BIGINT NOT NULL DEFAULT 0,
    objects     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (context_id, user_id, module)
);

-- Adds to the owner's row and to the context's. The rows stay locked until the writer's
-- transaction ends, so concurrent writers of one owner's usage are ordered by them. Rows
-- are created only by additions: a removal while the context itself is being deleted
-- must not make a row for it.
CREATE FUNCTION davgate_quota_add(ctx BIGINT, owner BIGINT, mod TEXT, add_bytes BIGINT,
                                  add_objects BIGINT)
RETURNS void AS $$
BEGIN
    IF add_objects > 0 THEN
        INSERT INTO quota_usage (context_id, user_id, module)
        VALUES (ctx, owner, mod), (ctx, -1, mod)
        ON CONFLICT (context_id, user_id, module) DO NOTHING;
    END IF;
    UPDATE quota_usage SET bytes = bytes + add_bytes, objects = objects + add_objects
     WHERE context_id = ctx AND user_id IN (owner, -1) AND module = mod;
END
$$ LANGUAGE plpgsql;

-- The backfill of what is stored already.
INSERT INTO quota_usage (context_id, user_id, module, bytes, objects)
SELECT o.context_id, COALESCE(f.owner_id, 0), f.module, SUM(octet_length(o.data)), COUNT(*)
  FROM objects o JOIN folders f ON f.context_id = o.context_id AND f.id = o.folder_id
 GROUP BY o.context_id, COALESCE(f.owner_id, 0), f.module
UNION ALL
SELECT o.context_id, -1, f.module, SUM(octet_length(o.data)), COUNT(*)
  FROM objects o JOIN folders f ON f.context_id = o.context_id AND f.id = o.folder_id
 GROUP BY o.context_id, f.module;

-- A member counts under its folder's owner and module; the folder is looked up, so a
-- member deleted with its folder (which has given back its usage before, below) adds
-- nothing.
CREATE FUNCTION davgate_object_quota() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM davgate_quota_add(OLD.context_id, COALESCE(f.owner_id, 0), f.module,
                                  -octet_length(OLD.data), -1)
           FROM folders f WHERE f.context_id = OLD.context_id AND f.id = OLD.folder_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM davgate_quota_add(NEW.context_id, COALESCE(f.owner_id, 0), f.module,
                                  octet_length(NEW.data), 1)
           FROM folders f WHERE f.context_id = NEW.context_id AND f.id = NEW.folder_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER objects_quota AFTER INSERT OR DELETE ON objects
    FOR EACH ROW EXECUTE FUNCTION davgate_object_quota();

CREATE TRIGGER objects_quota_updated AFTER UPDATE OF context_id, folder_id, data ON objects
    FOR EACH ROW WHEN (OLD.folder_id <> NEW.folder_id OR OLD.context_id <> NEW.context_id
                       OR OLD.data IS DISTINCT FROM NEW.data)
    EXECUTE FUNCTION davgate_object_quota();

-- A folder deleted gives back the usage of its members before they go with it; one
-- given to another owner (or module) takes its members' usage along.
CREATE FUNCTION davgate_folder_quota() RETURNS trigger AS $$
BEGIN
    PERFORM davgate_quota_add(OLD.context_id, COALESCE(OLD.owner_id, 0), OLD.module,
                              -SUM(octet_length(data)), -COUNT(*))
       FROM objects WHERE context_id = OLD.context_id AND folder_id = OLD.id
    HAVING COUNT(*) > 0;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    PERFORM davgate_quota_add(NEW.context_id, COALESCE(NEW.owner_id, 0), NEW.module,
                              SUM(octet_length(data)), COUNT(*))
       FROM objects WHERE context_id = NEW.context_id AND folder_id = NEW.id
    HAVING COUNT(*) > 0;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER folders_quota_deleted BEFORE DELETE ON folders
    FOR EACH ROW EXECUTE FUNCTION davgate_folder_quota();

CREATE TRIGGER folders_quota_owner AFTER UPDATE OF owner_id, module ON folders
    FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.module <> NEW.module)
    EXECUTE FUNCTION davgate_folder_quota();
