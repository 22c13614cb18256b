"""A referral's age band and ``adult`` from the date of birth MHSDS submits.

The export submits the person's record's date of birth (``MHS001MPI.PersonBirthDate``), and NHS
England works out the age at referral from it (``AgeServReferRecDate``). ``insights_referrals``
used the date of birth as the referrer gave it, which differs when the referrer got it wrong and
triage matched the referral to the right person; it now uses the person's, and the referral's
own only before a person is matched. The columns are unchanged, so the view is replaced in place
and its materialised copy keeps working; the record of the last refresh is cleared so the next
figure read refreshes the copies first.
"""

from importlib import import_module

from django.db import migrations

_BEFORE = import_module("alongside.insights.migrations.0001_analysis_views")

GIVEN = "r.date_of_birth"
SUBMITTED = "coalesce(p.date_of_birth, r.date_of_birth)"
OLD_REFERRALS = _BEFORE.REFERRALS.replace(
    "CREATE VIEW insights_referrals", "CREATE OR REPLACE VIEW insights_referrals"
)
REFERRALS = OLD_REFERRALS.replace(GIVEN, SUBMITTED)
FORGET_REFRESH = "DELETE FROM insights_snapshot"


class Migration(migrations.Migration):
    dependencies = [("insights", "0004_coproduction_tables")]

    operations = [
        migrations.RunSQL([REFERRALS, FORGET_REFRESH], reverse_sql=[OLD_REFERRALS, FORGET_REFRESH])
    ]
