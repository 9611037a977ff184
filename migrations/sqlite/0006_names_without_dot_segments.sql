-- Request paths no longer carry `.` or `..` segments, nor NUL (which PostgreSQL cannot
-- store but SQLite could). A collection stored under such a name is addressed by its
-- folder id again; a member stored under one is renamed after its ETag (the change log
-- reports the old name deleted and the new one added, so syncing clients follow).
UPDATE folders SET dav_name = NULL
 WHERE dav_name IN ('.', '..') OR instr(CAST(dav_name AS BLOB), X'00') > 0;
UPDATE objects
   SET resource_name = CASE
         WHEN resource_name = '.' THEN 'dot-'
         WHEN resource_name = '..' THEN 'dotdot-'
         ELSE 'nul-' END
       || etag || CASE component WHEN 'VCARD' THEN '.vcf' ELSE '.ics' END
 WHERE (resource_name IN ('.', '..') OR instr(CAST(resource_name AS BLOB), X'00') > 0)
   AND NOT EXISTS (
       SELECT 1 FROM objects t
        WHERE t.context_id = objects.context_id AND t.folder_id = objects.folder_id
          AND t.resource_name = CASE
                WHEN objects.resource_name = '.' THEN 'dot-'
                WHEN objects.resource_name = '..' THEN 'dotdot-'
                ELSE 'nul-' END
              || objects.etag || CASE objects.component WHEN 'VCARD' THEN '.vcf' ELSE '.ics' END);
