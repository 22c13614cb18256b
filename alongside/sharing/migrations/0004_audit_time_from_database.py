"""The audit's times come from the database, whatever the writer sends.

An access event's ``occurred_at`` defaults to ``now()``; a row sent with any other time is
written again with ``now()`` (the row was already routed to the partition of the time sent, and
a BEFORE trigger may not move it to another, so it is re-inserted and the original skipped).
A history row's ``pgh_created_at`` is stamped by ``alongside_history_stamp_time``, put on every
history table by ``alongside.core.db_roles.secure_database`` after each migrate.
"""

from django.db import migrations

STAMP = """
ALTER TABLE sharing_accessevent ALTER COLUMN occurred_at SET DEFAULT now();

CREATE FUNCTION sharing_accessevent_stamp_time() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamped sharing_accessevent;
BEGIN
    IF NEW.occurred_at IS NOT DISTINCT FROM now() THEN
        RETURN NEW;
    END IF;
    stamped := jsonb_populate_record(NULL::sharing_accessevent, to_jsonb(NEW));
    stamped.occurred_at := now();
    INSERT INTO sharing_accessevent SELECT (stamped).*;
    RETURN NULL;
END
$$;
CREATE TRIGGER sharing_accessevent_stamp_time
    BEFORE INSERT ON sharing_accessevent
    FOR EACH ROW EXECUTE FUNCTION sharing_accessevent_stamp_time();

CREATE FUNCTION alongside_history_stamp_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.pgh_created_at := now();
    RETURN NEW;
END
$$;
"""

UNSTAMP = """
DROP TRIGGER sharing_accessevent_stamp_time ON sharing_accessevent;
DROP FUNCTION sharing_accessevent_stamp_time();
ALTER TABLE sharing_accessevent ALTER COLUMN occurred_at DROP DEFAULT;
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tgrelid::regclass AS rel FROM pg_trigger
             WHERE tgname = 'alongside_stamp_time' LOOP
        EXECUTE format('DROP TRIGGER alongside_stamp_time ON %s', t.rel);
    END LOOP;
END
$$;
DROP FUNCTION alongside_history_stamp_time();
"""


class Migration(migrations.Migration):
    dependencies = [("sharing", "0003_subject_access_requests")]

    operations = [migrations.RunSQL(STAMP, UNSTAMP)]
