-- Listings read indexes only. A member's size is kept in `data_size` (set by the
-- triggers below whoever writes `data`), and the two orders a listing reads in (by name
-- for PROPFIND and queries, by change sequence for an initial sync) carry every column a
-- listing answers or filters on. A listing then never reads the table, whose rows hold
-- the members' data: at 10,000 events the index holds about 1.5 MB, the table 14 MB.
ALTER TABLE objects ADD COLUMN data_size BIGINT NOT NULL DEFAULT 0;
UPDATE objects SET data_size = length(CAST(data AS BLOB));

CREATE TRIGGER objects_size_inserted AFTER INSERT ON objects
    WHEN NEW.data_size IS NOT length(CAST(NEW.data AS BLOB)) BEGIN
    UPDATE objects SET data_size = length(CAST(NEW.data AS BLOB))
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
       AND resource_name = NEW.resource_name;
END;
CREATE TRIGGER objects_size_updated AFTER UPDATE OF data, data_size ON objects
    WHEN NEW.data_size IS NOT length(CAST(NEW.data AS BLOB)) BEGIN
    UPDATE objects SET data_size = length(CAST(NEW.data AS BLOB))
     WHERE context_id = NEW.context_id AND folder_id = NEW.folder_id
       AND resource_name = NEW.resource_name;
END;

CREATE INDEX objects_listing ON objects (context_id, folder_id, resource_name, etag,
    data_size, modified_at, user_id, uid, component, start_at, end_at);
DROP INDEX objects_change_seq;
CREATE INDEX objects_change_seq ON objects (context_id, folder_id, change_seq, resource_name,
    etag, data_size, modified_at, user_id, component, start_at, end_at);
