-- Members whose change was never logged (change_seq 0: written before the change log
-- existed) by name. An initial sync lists them first; without this index that listing
-- reads every member of the folder to find, usually, none.
CREATE INDEX objects_unlogged ON objects (context_id, folder_id, resource_name) WHERE change_seq = 0;
