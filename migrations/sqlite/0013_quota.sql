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

-- Every change of usage is recorded by inserting into this view: its trigger adds the
-- amounts to the owner's row and to the context's (SQLite has no stored functions).
-- Rows are created only by additions: a removal while the context itself is being
-- deleted must not make a row for it.
CREATE VIEW quota_events AS
    SELECT context_id, user_id, module, bytes, objects FROM quota_usage WHERE 0;

CREATE TRIGGER quota_events_record INSTEAD OF INSERT ON quota_events BEGIN
    INSERT OR IGNORE INTO quota_usage (context_id, user_id, module)
    SELECT NEW.context_id, NEW.user_id, NEW.module WHERE NEW.objects > 0
    UNION ALL
    SELECT NEW.context_id, -1, NEW.module WHERE NEW.objects > 0;
    UPDATE quota_usage SET bytes = bytes + NEW.bytes, objects = objects + NEW.objects
     WHERE context_id = NEW.context_id AND user_id IN (NEW.user_id, -1) AND module = NEW.module;
END;

-- The backfill of what is stored already.
INSERT INTO quota_usage (context_id, user_id, module, bytes, objects)
SELECT o.context_id, COALESCE(f.owner_id, 0), f.module,
       SUM(length(CAST(o.data AS BLOB))), COUNT(*)
  FROM objects o JOIN folders f ON f.context_id = o.context_id AND f.id = o.folder_id
 WHERE 1 GROUP BY o.context_id, COALESCE(f.owner_id, 0), f.module;
INSERT INTO quota_usage (context_id, user_id, module, bytes, objects)
SELECT o.context_id, -1, f.module, SUM(length(CAST(o.data AS BLOB))), COUNT(*)
  FROM objects o JOIN folders f ON f.context_id = o.context_id AND f.id = o.folder_id
 WHERE 1 GROUP BY o.context_id, f.module;

-- A member counts under its folder's owner and module; the folder is looked up, so a
-- member deleted with its folder (which has given back its usage before, below) adds
-- nothing.
CREATE TRIGGER objects_quota_inserted AFTER INSERT ON objects BEGIN
    INSERT INTO quota_events
    SELECT NEW.context_id, COALESCE(f.owner_id, 0), f.module, length(CAST(NEW.data AS BLOB)), 1
      FROM folders f WHERE f.context_id = NEW.context_id AND f.id = NEW.folder_id;
END;

CREATE TRIGGER objects_quota_deleted AFTER DELETE ON objects BEGIN
    INSERT INTO quota_events
    SELECT OLD.context_id, COALESCE(f.owner_id, 0), f.module, -length(CAST(OLD.data AS BLOB)), -1
      FROM folders f WHERE f.context_id = OLD.context_id AND f.id = OLD.folder_id;
END;

CREATE TRIGGER objects_quota_updated AFTER UPDATE OF context_id, folder_id, data ON objects
    WHEN OLD.folder_id <> NEW.folder_id OR OLD.context_id <> NEW.context_id
      OR NEW.data IS NOT OLD.data BEGIN
    INSERT INTO quota_events
    SELECT OLD.context_id, COALESCE(f.owner_id, 0), f.module, -length(CAST(OLD.data AS BLOB)), -1
      FROM folders f WHERE f.context_id = OLD.context_id AND f.id = OLD.folder_id;
    INSERT INTO quota_events
    SELECT NEW.context_id, COALESCE(f.owner_id, 0), f.module, length(CAST(NEW.data AS BLOB)), 1
      FROM folders f WHERE f.context_id = NEW.context_id AND f.id = NEW.folder_id;
END;

-- A folder deleted gives back the usage of its members before they go with it.
CREATE TRIGGER folders_quota_deleted BEFORE DELETE ON folders BEGIN
    INSERT INTO quota_events
    SELECT OLD.context_id, COALESCE(OLD.owner_id, 0), OLD.module,
           -SUM(length(CAST(data AS BLOB))), -COUNT(*)
      FROM objects WHERE context_id = OLD.context_id AND folder_id = OLD.id
    HAVING COUNT(*) > 0;
END;

-- A folder given to another owner (or module) takes its members' usage along.
CREATE TRIGGER folders_quota_owner AFTER UPDATE OF owner_id, module ON folders
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.module <> NEW.module BEGIN
    INSERT INTO quota_events
    SELECT OLD.context_id, COALESCE(OLD.owner_id, 0), OLD.module,
           -SUM(length(CAST(data AS BLOB))), -COUNT(*)
      FROM objects WHERE context_id = OLD.context_id AND folder_id = OLD.id
    HAVING COUNT(*) > 0;
    INSERT INTO quota_events
    SELECT NEW.context_id, COALESCE(NEW.owner_id, 0), NEW.module,
           SUM(length(CAST(data AS BLOB))), COUNT(*)
      FROM objects WHERE context_id = NEW.context_id AND folder_id = NEW.id
    HAVING COUNT(*) > 0;
END;
