-- What every request loads about its user (the login's resolution, the user with
-- aliases and permissions, the context, configuration attributes and groups) is kept by
-- the server's login cache. Without Redis there is no channel to announce a change
-- made by another process (the command line, a tool writing these tables): the server
-- reads cache_generation once a second instead, and drops what it keeps whenever the
-- number moved. Every write to the tables the cache reads moves it, whoever writes.
-- SQLite has one writer at a time, so the one row is no point of contention.
CREATE TABLE cache_generation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  BIGINT NOT NULL
);
INSERT INTO cache_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER contexts_cache_insert AFTER INSERT ON contexts
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER contexts_cache_update AFTER UPDATE ON contexts
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER contexts_cache_delete AFTER DELETE ON contexts
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER login_mappings_cache_insert AFTER INSERT ON login_mappings
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER login_mappings_cache_update AFTER UPDATE ON login_mappings
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER login_mappings_cache_delete AFTER DELETE ON login_mappings
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER users_cache_insert AFTER INSERT ON users
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER users_cache_update AFTER UPDATE ON users
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER users_cache_delete AFTER DELETE ON users
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_aliases_cache_insert AFTER INSERT ON user_aliases
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_aliases_cache_update AFTER UPDATE ON user_aliases
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_aliases_cache_delete AFTER DELETE ON user_aliases
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_permissions_cache_insert AFTER INSERT ON user_permissions
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_permissions_cache_update AFTER UPDATE ON user_permissions
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_permissions_cache_delete AFTER DELETE ON user_permissions
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER attributes_cache_insert AFTER INSERT ON attributes
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER attributes_cache_update AFTER UPDATE ON attributes
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER attributes_cache_delete AFTER DELETE ON attributes
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_groups_cache_insert AFTER INSERT ON user_groups
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_groups_cache_update AFTER UPDATE ON user_groups
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER user_groups_cache_delete AFTER DELETE ON user_groups
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER group_members_cache_insert AFTER INSERT ON group_members
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER group_members_cache_update AFTER UPDATE ON group_members
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER group_members_cache_delete AFTER DELETE ON group_members
BEGIN
    UPDATE cache_generation SET generation = generation + 1 WHERE id = 1;
END;
