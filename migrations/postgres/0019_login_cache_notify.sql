-- What every request loads about its user (the login's resolution, the user with
-- aliases and permissions, the context, configuration attributes and groups) is kept by
-- the server's login cache. Without Redis there is no channel to announce a change
-- made by another process (the command line, another groupware writer of these
-- tables): every statement that writes one of them notifies `davgate_login_cache`, which
-- PostgreSQL delivers when the transaction commits, once per transaction. Each server
-- listens and drops what it keeps when a notification comes. A notification takes no
-- lock a writer could wait for.
CREATE OR REPLACE FUNCTION davgate_login_cache_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('davgate_login_cache', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- One trigger per table, named <table>_login_cache.
DO $$
DECLARE
    watched TEXT;
BEGIN
    FOREACH watched IN ARRAY ARRAY['contexts', 'login_mappings', 'users', 'user_aliases',
                                   'user_permissions', 'attributes', 'user_groups',
                                   'group_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed()',
                       watched || '_login_cache', watched);
    END LOOP;
END
$$;
