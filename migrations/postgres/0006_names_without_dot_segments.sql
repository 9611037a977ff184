-- Request paths no longer carry `.` or `..` segments. A collection stored under such a
-- name is addressed by its folder id again; a member stored under one is renamed after
-- its ETag (the change log reports the old name deleted and the new one added, so
-- syncing clients follow).
UPDATE folders SET dav_name = NULL WHERE dav_name IN ('.', '..');
UPDATE objects o
   SET resource_name = CASE o.resource_name WHEN '.' THEN 'dot-' ELSE 'dotdot-' END
       || o.etag || CASE o.component WHEN 'VCARD' THEN '.vcf' ELSE '.ics' END
 WHERE o.resource_name IN ('.', '..')
   AND NOT EXISTS (
       SELECT 1 FROM objects t
        WHERE t.context_id = o.context_id AND t.folder_id = o.folder_id
          AND t.resource_name = CASE o.resource_name WHEN '.' THEN 'dot-' ELSE 'dotdot-' END
              || o.etag || CASE o.component WHEN 'VCARD' THEN '.vcf' ELSE '.ics' END);
