-- Implicit scheduling (RFC 6638 3.2.10): the Schedule-Tag of a scheduling object
-- resource, which changes when the organizer changes the event (or a new invitation is
-- delivered into an attendee's copy) and not when only a participation status does.
-- NULL for every other calendar object and contact.
ALTER TABLE objects ADD COLUMN schedule_tag TEXT;
