-- Scheduling with resources: whether a room or piece of equipment accepts invitations
-- by itself when it is free, and the calendar folder that holds its bookings (made on
-- first booking).
ALTER TABLE resources ADD COLUMN auto_accept BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE resources ADD COLUMN calendar_folder BIGINT;
