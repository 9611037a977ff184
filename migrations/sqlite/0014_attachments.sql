-- Managed attachments (RFC 8607): the bytes of each attachment in chunks, the calendar
-- objects that refer to it, and its bytes in its owner's quota usage (module
-- 'attachments': one object per attachment). An attachment goes when the last object
-- referring to it does.
CREATE TABLE attachments (
    context_id  BIGINT NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
    managed_id  TEXT NOT NULL,
    owner_id    BIGINT NOT NULL,
    filename    TEXT NOT NULL,
    fmttype     TEXT NOT NULL,
    size        BIGINT NOT NULL DEFAULT 0,
    complete    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (context_id, managed_id)
);

CREATE TABLE attachment_chunks (
    context_id  BIGINT NOT NULL,
    managed_id  TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    data        BLOB NOT NULL,
    PRIMARY KEY (context_id, managed_id, seq),
    FOREIGN KEY (context_id, managed_id) REFERENCES attachments (context_id, managed_id)
        ON DELETE CASCADE
);

CREATE TABLE attachment_refs (
    context_id     BIGINT NOT NULL,
    managed_id     TEXT NOT NULL,
    folder_id      BIGINT NOT NULL,
    resource_name  TEXT NOT NULL,
    PRIMARY KEY (context_id, managed_id, folder_id, resource_name),
    FOREIGN KEY (context_id, managed_id) REFERENCES attachments (context_id, managed_id)
        ON DELETE CASCADE,
    FOREIGN KEY (context_id, folder_id, resource_name)
        REFERENCES objects (context_id, folder_id, resource_name)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX attachment_refs_object ON attachment_refs (context_id, folder_id, resource_name);

-- The last reference gone, a complete attachment goes too.
CREATE TRIGGER attachment_refs_deleted AFTER DELETE ON attachment_refs
    WHEN NOT EXISTS (SELECT 1 FROM attachment_refs WHERE context_id = OLD.context_id
                        AND managed_id = OLD.managed_id) BEGIN
    DELETE FROM attachments WHERE context_id = OLD.context_id AND managed_id = OLD.managed_id
       AND complete;
END;

CREATE TRIGGER attachments_quota_inserted AFTER INSERT ON attachments BEGIN
    INSERT INTO quota_events VALUES (NEW.context_id, NEW.owner_id, 'attachments', 0, 1);
END;

-- An attachment deleted gives back its chunks' bytes before they go with it.
CREATE TRIGGER attachments_quota_deleted BEFORE DELETE ON attachments BEGIN
    INSERT INTO quota_events
    SELECT OLD.context_id, OLD.owner_id, 'attachments',
           -COALESCE((SELECT SUM(length(CAST(data AS BLOB))) FROM attachment_chunks
                       WHERE context_id = OLD.context_id AND managed_id = OLD.managed_id), 0),
           -1;
END;

CREATE TRIGGER attachment_chunks_quota_inserted AFTER INSERT ON attachment_chunks BEGIN
    INSERT INTO quota_events
    SELECT a.context_id, a.owner_id, 'attachments', length(CAST(NEW.data AS BLOB)), 0
      FROM attachments a WHERE a.context_id = NEW.context_id AND a.managed_id = NEW.managed_id;
END;
