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

CREATE TRIGGER contexts_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contexts
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER login_mappings_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON login_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER users_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER user_aliases_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER user_permissions_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER attributes_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON attributes
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER user_groups_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_groups
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();

CREATE TRIGGER group_members_login_cache AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON group_members
    FOR EACH STATEMENT EXECUTE FUNCTION davgate_login_cache_changed();
