"""Agreements, sessions, case discussions and actions: what is saved, and what is refused with
nothing half-saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.care.models import Intensity
from alongside.care.tests.factories import EpisodeFactory, allocate, practitioner_in
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.sharing import policy
from alongside.sharing.models import AccessEvent, Action, Basis, Part
from alongside.supervision import queries, services
from alongside.supervision.models import (
    CaseDiscussion,
    Kind,
    Step,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionPolicy,
    SupervisionSession,
)
from alongside.supervision.services import Discussion, NewAction

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def pair():
    """A VCSE Care Partner supervised by a trust clinician, with one person on their caseload."""
    vcse = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE))
    trust = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.NHS_TRUST))
    care_partner = practitioner_in(vcse)
    supervisor = MembershipFactory(team=trust, role=Role.SUPERVISOR).user
    episode = EpisodeFactory(lead_team=vcse)
    allocate(episode, care_partner)
    services.make_agreement(
        supervisee=care_partner,
        supervisor=supervisor,
        starts_on=TODAY() - dt.timedelta(days=90),
        terms={Kind.INDIVIDUAL: 4, Kind.GROUP: 12},
        by=supervisor,
    )
    return care_partner, supervisor, episode


def test_an_agreement_takes_its_terms_from_the_role_policy(pair):
    care_partner, _, _ = pair
    SupervisionPolicy.objects.create(role=Role.PRACTITIONER, kind=Kind.INDIVIDUAL, every_weeks=4)
    SupervisionPolicy.objects.create(role=Role.PRACTITIONER, kind=Kind.GROUP, every_weeks=8)
    meta = MembershipFactory(role=Role.SUPERVISOR).user
    agreement = services.make_agreement(
        supervisee=care_partner, supervisor=meta, starts_on=TODAY(), by=meta
    )
    assert {(t.kind, t.every_weeks) for t in agreement.terms.all()} == {
        (Kind.INDIVIDUAL, 4),
        (Kind.GROUP, 8),
    }


def test_nobody_supervises_themself(pair):
    care_partner, _, _ = pair
    with pytest.raises(ValidationError, match="Nobody can supervise themself"):
        services.make_agreement(
            supervisee=care_partner,
            supervisor=care_partner,
            starts_on=TODAY(),
            terms={Kind.INDIVIDUAL: 4},
            by=care_partner,
        )


def test_overlapping_agreements_for_the_same_pair_are_refused(pair):
    care_partner, supervisor, _ = pair
    before = SupervisionAgreement.objects.count()
    with pytest.raises(ValidationError, match="already have an agreement"):
        services.make_agreement(
            supervisee=care_partner,
            supervisor=supervisor,
            starts_on=TODAY() + dt.timedelta(days=30),
            terms={Kind.INDIVIDUAL: 4},
            by=supervisor,
        )
    assert SupervisionAgreement.objects.count() == before
    # After the first ends, a new one may start the next day.
    first = SupervisionAgreement.objects.get(supervisee=care_partner, supervisor=supervisor)
    services.end_agreement(agreement=first, on=TODAY(), by=supervisor)
    services.make_agreement(
        supervisee=care_partner,
        supervisor=supervisor,
        starts_on=TODAY() + dt.timedelta(days=1),
        terms={Kind.INDIVIDUAL: 4},
        by=supervisor,
    )


def _session(supervisor, care_partner, episode, **changes):
    arguments = {
        "supervisor": supervisor,
        "kind": Kind.INDIVIDUAL,
        "held_on": TODAY(),
        "duration_minutes": 60,
        "attendees": [care_partner],
        "by": supervisor,
        "reflections": "Feeling stretched by the travel between sites.",
        "discussions": [
            Discussion(
                episode=episode,
                supervisee=care_partner,
                goals_progress="'I've been to the allotment twice' - goal 1 at 6/10.",
                working="Walking meetings.",
                step=Step.DOWN,
                step_reason="Settled for two months; agreed with the person.",
                risks="None new.",
                next_steps="Introduce the peer group.",
                actions=[
                    NewAction(
                        "Send the peer group details", care_partner, TODAY() + dt.timedelta(7)
                    )
                ],
            )
        ],
        "actions": [
            NewAction("Book the coaching refresher", care_partner, TODAY() + dt.timedelta(30))
        ],
    }
    arguments.update(changes)
    return services.record_session(**arguments)


def test_a_session_records_the_discussion_steps_down_and_sets_actions(pair):
    care_partner, supervisor, episode = pair
    session = _session(supervisor, care_partner, episode)
    discussion = CaseDiscussion.objects.get(session=session)
    episode.refresh_from_db()
    assert episode.intensity == Intensity.LOW
    assert discussion.intensity_change.intensity == Intensity.LOW
    assert discussion.intensity_change.reason.startswith("Settled for two months")
    assert [a.text for a in queries.open_actions(care_partner)] == [
        "Send the peer group details",
        "Book the coaching refresher",
    ]
    assert list(queries.carried_actions(supervisor, [care_partner.pk])) == list(
        queries.open_actions(care_partner)
    )
    audit = AccessEvent.objects.filter(person_id=episode.person_id, basis=Basis.SUPERVISION)
    assert audit.filter(allowed=True, part=Part.CLINICAL_NOTES).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": TODAY() + dt.timedelta(days=7)}, "before it is held"),
        ({"duration_minutes": 2}, "from 5 minutes to 8 hours"),
        ({"attendees": []}, "Choose who attended"),
        ({"kind": "chat"}, "Choose the kind of session"),
        ({"actions": [NewAction("Ring the GP", None, TODAY())]}, "needs an owner"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(pair, changes, message):
    care_partner, supervisor, episode = pair
    with pytest.raises(ValidationError, match=message):
        _session(supervisor, care_partner, episode, **changes)
    assert not SupervisionSession.objects.exists()
    assert not SupervisionAction.objects.exists()
    episode.refresh_from_db()
    assert episode.intensity == Intensity.MEDIUM


def test_the_supervisor_is_not_their_own_attendee(pair):
    care_partner, supervisor, episode = pair
    with pytest.raises(ValidationError, match="Nobody can supervise themself"):
        _session(supervisor, care_partner, episode, attendees=[supervisor], discussions=[])


def test_someone_without_a_current_agreement_cannot_attend(pair):
    _, supervisor, episode = pair
    stranger = practitioner_in(episode.lead_team)
    with pytest.raises(ValidationError, match="No current supervision agreement"):
        _session(supervisor, stranger, episode, discussions=[])


def test_a_person_not_on_the_caseload_is_refused_and_the_attempt_audited(pair):
    care_partner, supervisor, _ = pair
    elsewhere = EpisodeFactory()
    allocate(elsewhere)
    with pytest.raises(ValidationError, match="not on the supervisee's caseload"):
        _session(
            supervisor,
            care_partner,
            elsewhere,
            discussions=[
                Discussion(episode=elsewhere, supervisee=care_partner, goals_progress="x")
            ],
        )
    assert not SupervisionSession.objects.exists()
    refused = AccessEvent.objects.get(person_id=elsewhere.person_id)
    assert (refused.allowed, refused.basis, refused.action) == (False, Basis.NONE, Action.CHANGE)


def test_a_step_beyond_the_scale_is_refused(pair):
    care_partner, supervisor, episode = pair
    episode.intensity = Intensity.LOW
    episode.save()
    with pytest.raises(ValidationError, match="already low"):
        _session(supervisor, care_partner, episode)


def test_an_action_is_done_by_its_owner(pair):
    care_partner, supervisor, episode = pair
    _session(supervisor, care_partner, episode)
    action = queries.open_actions(care_partner).first()
    services.complete_action(action=action, by=care_partner)
    assert queries.open_actions(care_partner).count() == 1
    with pytest.raises(ValidationError, match="already done"):
        services.complete_action(action=action, by=care_partner)


# --- the supervision basis ---------------------------------------------------------------------


def test_a_supervisor_may_open_a_current_supervisees_cases(pair):
    _, supervisor, episode = pair
    decision = policy.decide(supervisor, episode.person, Part.PLAN, Action.VIEW)
    assert (decision.allowed, decision.basis) == (True, Basis.SUPERVISION)
    assert policy.decide(supervisor, episode.person, Part.CLINICAL_NOTES, Action.VIEW).allowed
    assert not policy.decide(supervisor, episode.person, Part.PLAN, Action.CHANGE).allowed


def test_the_basis_ends_with_the_agreement(pair):
    care_partner, supervisor, episode = pair
    agreement = SupervisionAgreement.objects.get(supervisee=care_partner)
    services.end_agreement(agreement=agreement, on=TODAY() - dt.timedelta(days=1), by=supervisor)
    assert not policy.decide(supervisor, episode.person, Part.PLAN, Action.VIEW).allowed


def test_the_basis_does_not_reach_other_caseloads(pair):
    _, supervisor, _ = pair
    other = EpisodeFactory()
    allocate(other)
    assert not policy.decide(supervisor, other.person, Part.DETAILS, Action.VIEW).allowed


def test_a_policy_is_kept_once_per_role_and_kind_and_starts_new_agreements():
    services.set_policy(
        policy=SupervisionPolicy(role=Role.PRACTITIONER, kind=Kind.INDIVIDUAL, every_weeks=4)
    )
    with pytest.raises(ValidationError):
        services.set_policy(
            policy=SupervisionPolicy(role=Role.PRACTITIONER, kind=Kind.INDIVIDUAL, every_weeks=6)
        )
    with pytest.raises(ValidationError):
        services.set_policy(
            policy=SupervisionPolicy(role=Role.PRACTITIONER, kind=Kind.GROUP, every_weeks=60)
        )
    worker = MembershipFactory(role=Role.PRACTITIONER).user
    assert services.policy_terms(worker) == {Kind.INDIVIDUAL: 4}
