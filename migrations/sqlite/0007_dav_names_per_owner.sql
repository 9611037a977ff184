-- A name a DAV client chose for a collection (MKCALENDAR, extended MKCOL) is its
-- owner's name for it: unique among the owner's folders, not in the whole context, so
-- one user's names neither block nor reveal another's, and never shadow a folder id.
-- Names were unique per context until now, hence per owner: every stored name stays
-- and keeps working for its owner.
DROP INDEX folders_dav_name;
CREATE UNIQUE INDEX folders_owner_dav_name ON folders (context_id, owner_id, dav_name);
