-- The path segment a DAV client chose when it created a folder with MKCALENDAR or MKCOL,
-- so the collection stays at the URL the client asked for. Unique per context.
ALTER TABLE folders ADD COLUMN dav_name TEXT;
CREATE UNIQUE INDEX folders_dav_name ON folders (context_id, dav_name);
