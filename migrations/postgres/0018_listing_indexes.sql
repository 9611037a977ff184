-- Listings read indexes only. A member's size is a stored generated column, and the two
-- orders a listing reads in (by name for PROPFIND and queries, by change sequence for an
-- initial sync) carry every column a listing answers or filters on, so a listing is an
-- index-only scan once autovacuum has marked the table's pages all-visible, and never
-- reads the rows that hold the members' data.
ALTER TABLE objects ADD COLUMN data_size BIGINT GENERATED ALWAYS AS (octet_length(data)) STORED;

CREATE INDEX objects_listing ON objects (context_id, folder_id, resource_name)
    INCLUDE (etag, data_size, modified_at, user_id, uid, component, start_at, end_at);
DROP INDEX objects_change_seq;
CREATE INDEX objects_change_seq ON objects (context_id, folder_id, change_seq)
    INCLUDE (resource_name, etag, data_size, modified_at, user_id, component, start_at, end_at);
