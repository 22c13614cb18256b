"""Training records: expiry from the course's validity, bad input refused, and who is missing a
course their role requires or has it expired or expiring within 60 days, per team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory, UserFactory
from alongside.workforce import queries, services
from alongside.workforce.models import RoleRequirement, TrainingRecord
from alongside.workforce.queries import GapStatus
from alongside.workforce.tests.factories import course, trained

pytestmark = pytest.mark.django_db


def test_recording_training_derives_the_expiry_from_the_course():
    user, lead = UserFactory(), UserFactory()
    record = services.record_training(
        user=user, course="safety-planning", completed_on=dt.date(2025, 6, 1), by=lead
    )
    assert record.expires_on == dt.date(2027, 6, 1)  # 24 months
    forever = services.record_training(
        user=user,
        course=course("coaching-approaches"),
        completed_on=dt.date(2020, 6, 1),
        by=lead,
        evidence="  Certificate seen. ",
    )
    assert forever.expires_on is None
    assert forever.evidence == "Certificate seen."
    assert forever.recorded_by == lead


def test_bad_training_input_is_refused_and_nothing_is_saved():
    user = UserFactory()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.record_training(user=user, course="dialog-plus", completed_on=tomorrow, by=user)
    assert error.value.message_dict["completed_on"] == [
        "The completion date must be today or earlier"
    ]
    with pytest.raises(ValidationError) as error:
        services.record_training(
            user=user, course="underwater-basketry", completed_on=dt.date(2025, 1, 1), by=user
        )
    assert "course" in error.value.message_dict
    services.record_training(
        user=user, course="dialog-plus", completed_on=dt.date(2025, 1, 1), by=user
    )
    with pytest.raises(ValidationError) as error:
        services.record_training(
            user=user, course="dialog-plus", completed_on=dt.date(2025, 1, 1), by=user
        )
    assert "already recorded" in error.value.message_dict["completed_on"][0]
    assert TrainingRecord.objects.filter(user=user).count() == 1


def test_gaps_are_missing_expired_and_expiring_within_60_days_per_team():
    on = dt.date(2026, 6, 1)
    RoleRequirement.objects.create(role=Role.PRACTITIONER, course=course("safety-planning"))
    RoleRequirement.objects.create(role=Role.PRACTITIONER, course=course("coaching-approaches"))
    RoleRequirement.objects.create(role=Role.TEAM_LEAD, course=course("safeguarding-adults-3"))
    team, other = TeamFactory(), TeamFactory()
    ada = MembershipFactory(team=team, role=Role.PRACTITIONER, user__last_name="Ada").user
    bea = MembershipFactory(team=team, role=Role.PRACTITIONER, user__last_name="Bea").user
    cal = MembershipFactory(team=team, role=Role.TEAM_LEAD, user__last_name="Cal").user
    MembershipFactory(team=other, role=Role.PRACTITIONER)  # another team: not listed
    left = MembershipFactory(team=team, role=Role.PRACTITIONER, ended_on=dt.date(2026, 1, 1))
    # Ada: coaching forever; safety planning expires 2026-07-01 (within 60 days).
    trained(ada, "coaching-approaches", dt.date(2019, 1, 1))
    trained(ada, "safety-planning", dt.date(2024, 7, 1))
    # Bea: safety planning expired 2026-05-31, a later one still counts for coaching? none.
    trained(bea, "safety-planning", dt.date(2024, 5, 31))
    # Cal: safeguarding 3 until 2027-09-01: current, no gap.
    trained(cal, "safeguarding-adults-3", dt.date(2024, 9, 1))
    gaps = queries.training_gaps([team], on=on)
    found = {(g.user.pk, g.course.key): (g.status, g.expires_on) for g in gaps}
    assert found == {
        (ada.pk, "safety-planning"): (GapStatus.EXPIRING, dt.date(2026, 7, 1)),
        (bea.pk, "safety-planning"): (GapStatus.EXPIRED, dt.date(2026, 5, 31)),
        (bea.pk, "coaching-approaches"): (GapStatus.MISSING, None),
    }
    assert left.user_id not in {g.user.pk for g in gaps}
    # A refresher clears the gap; a completion after the day does not count on it.
    trained(bea, "safety-planning", dt.date(2026, 5, 20))
    trained(bea, "coaching-approaches", dt.date(2026, 6, 2))
    statuses = {(g.user.pk, g.course.key) for g in queries.training_gaps([team], on=on)}
    assert (bea.pk, "safety-planning") not in statuses
    assert (bea.pk, "coaching-approaches") in statuses
    assert queries.training_gaps([team], on=on, within_days=20) != gaps
