-- Change-log triggers: any writer of the groupware tables (davgate, another service,
-- the sqlite3 shell) moves the per-context sequence, so later syncs see its changes.

CREATE TRIGGER contexts_counters AFTER INSERT ON contexts BEGIN
    INSERT OR IGNORE INTO context_counters (context_id) VALUES (NEW.id);
END;

-- Every change is recorded by inserting into this view: its trigger bumps the context's
-- sequence and upserts the member's row in `changes` (SQLite has no stored functions).
CREATE VIEW change_events AS
    SELECT context_id, folder_id, resource_name, deleted FROM changes WHERE 0;

CREATE TRIGGER change_events_record INSTEAD OF INSERT ON change_events BEGIN
    UPDATE context_counters SET seq = seq + 1 WHERE context_id = NEW.context_id;
    INSERT INTO changes (context_id, folder_id, resource_name, seq, deleted, changed_at)
    SELECT NEW.context_id, NEW.folder_id, NEW.resource_name, seq, NEW.deleted,
           CAST(strftime('%s', 'now') AS INTEGER)
      FROM context_counters WHERE context_id = NEW.context_id
    ON CONFLICT (context_id, folder_id, resource_name)
    DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted, changed_at = excluded.changed_at;
END;

CREATE TRIGGER objects_inserted AFTER INSERT ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
END;

-- A member moved to another folder or renamed leaves a tombstone under its old name.
CREATE TRIGGER objects_moved AFTER UPDATE ON objects
    WHEN OLD.folder_id <> NEW.folder_id OR OLD.resource_name <> NEW.resource_name BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, OLD.resource_name, 1);
END;

CREATE TRIGGER objects_updated AFTER UPDATE ON objects BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, NEW.resource_name, 0);
END;

CREATE TRIGGER objects_deleted AFTER DELETE ON objects BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, OLD.resource_name, 1);
END;

-- A writer that changes the payload without a new etag gets a fresh one derived from
-- the context sequence (SQLite has no built-in hash function).
CREATE TRIGGER objects_etag_on_insert AFTER INSERT ON objects WHEN NEW.etag = '' BEGIN
    UPDATE objects SET etag = 'seq-' || (SELECT seq FROM context_counters WHERE context_id = NEW.context_id)
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
END;

CREATE TRIGGER objects_etag_on_update AFTER UPDATE OF data ON objects
    WHEN NEW.data IS NOT OLD.data AND NEW.etag = OLD.etag BEGIN
    UPDATE objects SET etag = 'seq-' || (SELECT seq FROM context_counters WHERE context_id = NEW.context_id)
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id AND resource_name = NEW.resource_name;
END;

-- Folder rows and their permissions count as a change of the folder itself
-- (resource_name ''): it moves the ctag and the home collection's sync token.
CREATE TRIGGER folders_inserted AFTER INSERT ON folders BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.id, '', 0);
END;

CREATE TRIGGER folders_updated AFTER UPDATE ON folders BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.id, '', 0);
END;

CREATE TRIGGER folders_deleted AFTER DELETE ON folders BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.id, '', 1);
END;

CREATE TRIGGER folder_permissions_inserted AFTER INSERT ON folder_permissions BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, '', 0);
END;

CREATE TRIGGER folder_permissions_updated AFTER UPDATE ON folder_permissions BEGIN
    INSERT INTO change_events VALUES (NEW.context_id, NEW.folder_id, '', 0);
END;

CREATE TRIGGER folder_permissions_deleted AFTER DELETE ON folder_permissions
    WHEN EXISTS (SELECT 1 FROM folders WHERE context_id = OLD.context_id AND id = OLD.folder_id) BEGIN
    INSERT INTO change_events VALUES (OLD.context_id, OLD.folder_id, '', 0);
END;
