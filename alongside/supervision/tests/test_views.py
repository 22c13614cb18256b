"""The supervision pages: who may see and do what, bad input shown beside its field with nothing
saved, and person data only where the access policy allows (each look audited)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import Allocation, Intensity, IntensityChange
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, allocate, practitioner_in
from alongside.core.access import declaration
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import AccessEvent, Basis, Part
from alongside.sharing.tests.test_matrix import app_patterns
from alongside.supervision import services
from alongside.supervision.models import (
    CaseDiscussion,
    Kind,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionPolicy,
    SupervisionSession,
)
from alongside.supervision.services import Discussion, NewAction

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


class Place:
    """A VCSE Care Partner supervised by a trust clinician, who is supervised in turn
    (meta-supervision); one person on the Care Partner's caseload; the Care Partner's team
    lead; and someone with no part in any of it."""

    def __init__(self) -> None:
        self.vcse_team = TeamFactory(
            name="Wellspring Care Partners",
            organisation=OrganisationFactory(name="Wellspring", kind=OrganisationKind.VCSE),
        )
        self.trust_team = TeamFactory(
            name="Central CMHT",
            organisation=OrganisationFactory(name="Wyvern Trust", kind=OrganisationKind.NHS_TRUST),
        )
        self.care_partner = practitioner_in(
            self.vcse_team, user__first_name="Ana", user__last_name="Lind"
        )
        self.supervisor = MembershipFactory(
            team=self.trust_team,
            role=Role.SUPERVISOR,
            user__first_name="Sunita",
            user__last_name="Rao",
        ).user
        self.meta = MembershipFactory(
            team=self.trust_team,
            role=Role.SUPERVISOR,
            user__first_name="Maria",
            user__last_name="Meta",
        ).user
        self.team_lead = MembershipFactory(team=self.vcse_team, role=Role.TEAM_LEAD).user
        self.outsider = practitioner_in(TeamFactory())
        self.person = PersonFactory(given_name="Ada", family_name="Quartermaine")
        self.episode = EpisodeFactory(
            person=self.person, lead_team=self.vcse_team, intensity=Intensity.MEDIUM
        )
        allocate(self.episode, self.care_partner)
        self.agreement = services.make_agreement(
            supervisee=self.care_partner,
            supervisor=self.supervisor,
            starts_on=TODAY() - dt.timedelta(days=90),
            terms={Kind.INDIVIDUAL: 4},
            by=self.team_lead,
        )
        services.make_agreement(
            supervisee=self.supervisor,
            supervisor=self.meta,
            starts_on=TODAY() - dt.timedelta(days=90),
            terms={Kind.META: 8},
            by=self.meta,
        )

    @property
    def case(self) -> str:
        return f"{self.care_partner.pk}:{self.episode.pk}"

    def session(self, **changes: object) -> SupervisionSession:
        arguments = {
            "supervisor": self.supervisor,
            "kind": Kind.INDIVIDUAL,
            "held_on": TODAY(),
            "duration_minutes": 60,
            "attendees": [self.care_partner],
            "by": self.supervisor,
            "reflections": "Feeling stretched by the travel.",
            "discussions": [
                Discussion(
                    episode=self.episode,
                    supervisee=self.care_partner,
                    goals_progress="'Back at the allotment' – goal 1 at 6/10",
                    actions=[NewAction("Ask about the walking group", self.care_partner, TODAY())],
                )
            ],
        }
        arguments.update(changes)
        return services.record_session(**arguments)


@pytest.fixture
def place() -> Place:
    return Place()


def session_post(place: Place, **changes: str) -> dict[str, str]:
    held = TODAY()
    data = {
        "discussion_rows": "1",
        "action_rows": "1",
        "kind": Kind.INDIVIDUAL,
        "held_on-day": str(held.day),
        "held_on-month": str(held.month),
        "held_on-year": str(held.year),
        "duration_minutes": "50",
        "attendees": str(place.care_partner.pk),
        "reflections": "Tired after a hard week",
        "discussion-1-case": place.case,
        "discussion-1-goals_progress": "'I walked to the shop on my own'",
        "discussion-1-working": "Short phone calls",
        "discussion-1-step": "down",
        "discussion-1-step_reason": "Goals met; fewer contacts needed",
        "discussion-1-risks": "",
        "discussion-1-next_steps": "Plan the ending together",
        "discussion-1-action_text": "Agree the last three sessions with Ada",
        "discussion-1-action_owner": str(place.care_partner.pk),
        "discussion-1-action_due_on-day": "1",
        "discussion-1-action_due_on-month": "1",
        "discussion-1-action_due_on-year": str(TODAY().year + 1),
    }
    data.update(changes)
    return data


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- Every page is declared -------------------------------------------------------------------


def test_every_supervision_page_declares_what_it_touches():
    routes = [(route, p) for route, ns, p in app_patterns() if ns == "supervision"]
    assert len(routes) == 11
    for route, p in routes:
        assert declaration(p.callback) is not None, route
        if "person_id" in route:
            assert declaration(p.callback) == "person_data", route


def test_pages_ask_for_sign_in(client):
    for name in ("agreements", "tree", "sessions", "new-session", "review"):
        response = client.get(reverse(f"supervision:{name}"))
        assert response.status_code == 302
        assert "/account/sign-in/" in response["Location"]


def test_someone_without_a_role_is_refused(client):
    client.force_login(UserFactory())
    for name in ("agreements", "new-agreement", "tree", "sessions", "new-session", "review"):
        assert client.get(reverse(f"supervision:{name}")).status_code == 403, name


# --- Agreements -------------------------------------------------------------------------------


def test_a_care_partner_sees_their_own_agreement_and_cannot_make_one(client, place):
    client.force_login(place.care_partner)
    page = text(client.get(reverse("supervision:agreements")))
    assert "Your own supervision" in page
    assert "Sunita Rao" in page and "Central CMHT (Wyvern Trust)" in page
    assert "Individual supervision every 4 weeks" in page
    assert "Make an agreement" not in page
    assert client.get(reverse("supervision:new-agreement")).status_code == 403


def test_a_team_lead_makes_an_agreement_with_a_supervisor_in_another_organisation(client, place):
    SupervisionPolicy.objects.create(role=Role.PRACTITIONER, kind=Kind.GROUP, every_weeks=12)
    client.force_login(place.team_lead)
    url = reverse("supervision:new-agreement")
    form = client.get(url, {"supervisee": place.care_partner.pk})
    assert 'name="weeks_group" type="text" value="12"' in text(form).replace("\n", " ") or (
        'value="12"' in text(form)
    )
    response = client.post(
        url,
        {
            "supervisee": place.care_partner.pk,
            "supervisor": place.meta.pk,
            "starts_on-day": str(TODAY().day),
            "starts_on-month": str(TODAY().month),
            "starts_on-year": str(TODAY().year),
            "weeks_group": "12",
        },
    )
    assert response.status_code == 302
    made = SupervisionAgreement.objects.get(supervisee=place.care_partner, supervisor=place.meta)
    assert [(t.kind, t.every_weeks) for t in made.terms.all()] == [(Kind.GROUP, 12)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"supervisor": "self"}, "Nobody can supervise themself"),
        ({"starts_on-day": ""}, "Start date must include a day"),
        ({"supervisee": ""}, "Choose who is supervised"),
        ({"weeks_individual": "60"}, "How often must be every 1 to 52 weeks"),
        ({"ends_on-day": "1", "ends_on-month": "1", "ends_on-year": "2020"}, "end date must be"),
        ({"supervisor": "supervisor"}, "already have an agreement with this supervisor"),
    ],
)
def test_a_bad_agreement_shows_its_message_and_saves_nothing(client, place, changes, message):
    MembershipFactory(user=place.care_partner, team=place.trust_team, role=Role.SUPERVISOR)
    client.force_login(place.team_lead)
    data = {
        "supervisee": str(place.care_partner.pk),
        "supervisor": str(place.meta.pk),
        "starts_on-day": str(TODAY().day),
        "starts_on-month": str(TODAY().month),
        "starts_on-year": str(TODAY().year),
        "weeks_individual": "4",
    }
    if changes.get("supervisor") == "self":
        changes = {"supervisor": str(place.care_partner.pk)}
    elif changes.get("supervisor") == "supervisor":
        changes = {"supervisor": str(place.supervisor.pk)}
    data.update(changes)
    before = SupervisionAgreement.objects.count()
    response = client.post(reverse("supervision:new-agreement"), data)
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert SupervisionAgreement.objects.count() == before


def test_an_agreement_is_ended_by_the_team_lead_only(client, place):
    url = reverse("supervision:end-agreement", kwargs={"agreement_id": place.agreement.pk})
    client.force_login(place.outsider)
    assert client.get(url).status_code == 404
    client.force_login(place.team_lead)
    early = place.agreement.starts_on - dt.timedelta(days=1)
    response = client.post(
        url, {"on-day": early.day, "on-month": early.month, "on-year": early.year}
    )
    assert "An agreement cannot end before it starts" in text(response)
    place.agreement.refresh_from_db()
    assert place.agreement.ends_on is None
    response = client.post(
        url, {"on-day": TODAY().day, "on-month": TODAY().month, "on-year": TODAY().year}
    )
    assert response.status_code == 302
    place.agreement.refresh_from_db()
    assert place.agreement.ends_on == TODAY()


def test_the_tree_nests_practitioner_under_supervisor_under_meta_supervisor(client, place):
    client.force_login(place.team_lead)
    response = client.get(reverse("supervision:tree"), {"scope": f"team-{place.vcse_team.pk}"})
    page = text(response)
    meta = page.index("Maria Meta")
    supervisor = page.index("Sunita Rao", meta)
    care_partner = page.index("Ana Lind", supervisor)
    assert meta < supervisor < care_partner
    nested = page[meta:care_partner]
    assert nested.count("<ul") == 2  # two levels below the meta-supervisor
    # The place's tree, and no one else's team.
    assert client.get(reverse("supervision:tree"), {"scope": "place"}).status_code == 200
    other = TeamFactory()
    assert client.get(reverse("supervision:tree"), {"scope": f"team-{other.pk}"}).status_code == 404
    client.force_login(place.care_partner)
    assert client.get(reverse("supervision:tree")).status_code == 403


def test_the_tree_lists_who_has_no_supervisor_with_a_way_to_make_an_agreement(client, place):
    newcomer = practitioner_in(place.vcse_team, user__first_name="Nia", user__last_name="New")
    client.force_login(place.team_lead)
    page = text(client.get(reverse("supervision:tree"), {"scope": f"team-{place.vcse_team.pk}"}))
    assert "Nia New – Wellspring Care Partners (Wellspring)" in page
    assert f"{reverse('supervision:new-agreement')}?supervisee={newcomer.pk}" in page


# --- Sessions ---------------------------------------------------------------------------------


def test_the_supervisor_records_a_session_with_a_step_down_and_an_action(client, place):
    client.force_login(place.supervisor)
    url = reverse("supervision:new-session")
    form = client.get(url, {"case": place.case})
    page = text(form)
    assert "Ada Quartermaine" in page
    assert f'value="{place.case}" selected' in page
    assert AccessEvent.objects.filter(
        user=place.supervisor, person=place.person, basis=Basis.SUPERVISION, part=Part.DETAILS
    ).exists()
    response = client.post(url, session_post(place))
    assert response.status_code == 302, text(response)
    session = SupervisionSession.objects.get()
    discussion = CaseDiscussion.objects.get(session=session)
    assert discussion.intensity_change.intensity == Intensity.LOW
    assert discussion.intensity_change.reason == "Goals met; fewer contacts needed"
    action = SupervisionAction.objects.get()
    assert action.owner == place.care_partner and action.discussion == discussion


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on-year": str(TODAY().year + 1)}, "A session cannot be recorded before it is held"),
        ({"duration_minutes": "2"}, "from 5 minutes to 8 hours"),
        ({"duration_minutes": ""}, "Give how long it lasted"),
        ({"attendees": ""}, "Choose who attended"),
        ({"discussion-1-goals_progress": ""}, "Write the person's goals and progress"),
        ({"discussion-1-step_reason": ""}, "Say why support steps up or down"),
        ({"discussion-1-action_owner": ""}, "Every action needs an owner"),
        (
            {"discussion-1-action_due_on-day": "31", "discussion-1-action_due_on-month": "2"},
            "Due date must be a real date",
        ),
        ({"action-1-text": "Book a reflective practice group"}, "Every action needs an owner"),
    ],
)
def test_a_bad_session_shows_its_message_and_saves_nothing(client, place, changes, message):
    client.force_login(place.supervisor)
    response = client.post(reverse("supervision:new-session"), session_post(place, **changes))
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert message in page
    assert "nhsuk-error-message" in page  # beside the field, not only in the summary
    assert not SupervisionSession.objects.exists()
    assert not IntensityChange.objects.filter(episode=place.episode).exists()


def test_discussing_someone_not_on_the_caseload_is_refused_and_on_record(client, place):
    stranger = EpisodeFactory()
    client.force_login(place.supervisor)
    data = session_post(place, **{"discussion-1-case": f"{place.care_partner.pk}:{stranger.pk}"})
    response = client.post(reverse("supervision:new-session"), data)
    assert "This person is not on the supervisee's caseload" in text(response)
    assert not SupervisionSession.objects.exists()
    assert AccessEvent.objects.filter(
        user=place.supervisor, person=stranger.person, allowed=False
    ).exists()


def test_adding_a_row_keeps_what_was_typed_and_judges_nothing(client, place):
    client.force_login(place.supervisor)
    data = session_post(place, **{"add": "discussion", "discussion-1-goals_progress": ""})
    response = client.post(reverse("supervision:new-session"), data)
    page = text(response)
    assert "Person 2" in page
    assert "There is a problem" not in page
    assert "Plan the ending together" in page
    assert not SupervisionSession.objects.exists()


def test_someone_who_supervises_no_one_is_told_so(client, place):
    client.force_login(place.care_partner)
    response = client.get(reverse("supervision:new-session"))
    assert "You supervise no one under a current agreement" in text(response)


def test_carried_actions_show_at_the_top_of_the_next_session_and_can_be_marked_done(client, place):
    place.session()
    action = SupervisionAction.objects.get()
    client.force_login(place.supervisor)
    url = reverse("supervision:new-session")
    page = text(client.get(url))
    assert "Open actions from earlier sessions" in page
    assert "Ask about the walking group" in page
    done = reverse("supervision:complete-action", kwargs={"action_id": action.pk})
    response = client.post(done, {"next": url})
    assert response.status_code == 302 and response["Location"] == url
    action.refresh_from_db()
    assert action.done_by == place.supervisor
    assert "Open actions from earlier sessions" not in text(client.get(url))


def test_only_the_owner_or_supervisor_marks_an_action_done(client, place):
    place.session()
    action = SupervisionAction.objects.get()
    done = reverse("supervision:complete-action", kwargs={"action_id": action.pk})
    client.force_login(place.outsider)
    assert client.post(done).status_code == 404
    assert client.get(done).status_code == 405
    action.refresh_from_db()
    assert action.done_at is None


def test_the_session_page_shows_the_discussion_to_those_the_policy_allows(client, place):
    session = place.session()
    url = reverse("supervision:session", kwargs={"session_id": session.pk})
    client.force_login(place.supervisor)
    page = text(client.get(url))
    assert "Ada Quartermaine" in page
    assert "Back at the allotment" in page
    assert "Feeling stretched by the travel." in page
    assert AccessEvent.objects.filter(
        user=place.supervisor,
        person=place.person,
        part=Part.CLINICAL_NOTES,
        basis=Basis.SUPERVISION,
        allowed=True,
    ).exists()
    client.force_login(place.outsider)
    assert client.get(url).status_code == 404


def test_a_vcse_care_partner_who_attended_reads_the_discussion_of_their_own_case(client, place):
    session = place.session()
    url = reverse("supervision:session", kwargs={"session_id": session.pk})
    client.force_login(place.care_partner)
    page = text(client.get(url))
    assert "Ada Quartermaine" in page
    assert "Back at the allotment" in page
    # Decided and audited as a look at the plan on the care-team basis: a VCSE Care Partner
    # does not see clinical notes, and no refusal is written for the look they were given.
    looks = AccessEvent.objects.filter(user=place.care_partner, person=place.person)
    assert list(looks.values_list("part", "basis", "allowed")) == [
        (Part.PLAN, Basis.CARE_TEAM, True)
    ]
    # Once the person is no longer on their caseload, the clinical-notes rule is all there is.
    Allocation.objects.filter(episode=place.episode).update(ended_at=timezone.now())
    page = text(client.get(url))
    assert "Back at the allotment" not in page


def test_after_the_agreement_ends_the_supervisor_no_longer_sees_the_person(client, place):
    session = place.session()
    SupervisionAgreement.objects.filter(pk=place.agreement.pk).update(
        ends_on=TODAY() - dt.timedelta(days=1)
    )
    client.force_login(place.supervisor)
    page = text(client.get(reverse("supervision:session", kwargs={"session_id": session.pk})))
    assert "Person not shared with you" in page
    assert "Ada Quartermaine" not in page
    assert "Back at the allotment" not in page
    assert "Feeling stretched by the travel." in page  # the reflections are the supervisor's
    assert AccessEvent.objects.filter(
        user=place.supervisor, person=place.person, part=Part.CLINICAL_NOTES, allowed=False
    ).exists()


def test_a_persons_supervision_discussions_are_part_of_their_record(client, place):
    place.session()
    url = reverse("supervision:discussions", kwargs={"person_id": place.person.pk})
    client.force_login(place.supervisor)
    page = text(client.get(url))
    assert "Back at the allotment" in page
    assert "Feeling stretched" not in page  # reflections never
    client.force_login(place.outsider)
    assert client.get(url).status_code == 404
    assert AccessEvent.objects.filter(
        user=place.outsider, person=place.person, allowed=False
    ).exists()


# --- Caseload review and the worklist ---------------------------------------------------------


def test_the_review_shows_each_supervisees_caseload_with_its_signals(client, place):
    ContactFactory(
        episode=place.episode,
        practitioner=place.care_partner,
        starts_at=timezone.now() - dt.timedelta(weeks=7),
    )
    client.force_login(place.supervisor)
    response = client.get(reverse("supervision:review"))
    page = text(response)
    assert "Ana Lind" in page
    assert "Ada Quartermaine" in page
    assert "No contact for 7 weeks" in page
    assert f'value="{place.case}"' in page
    assert reverse("people:record", kwargs={"person_id": place.person.pk}) in page
    assert AccessEvent.objects.filter(
        user=place.supervisor, person=place.person, basis=Basis.SUPERVISION
    ).exists()


def test_the_review_leaves_out_people_the_supervisor_may_not_see(client, place):
    client.force_login(place.outsider)
    page = text(client.get(reverse("supervision:review")))
    assert "You supervise no one under a current agreement" in page
    assert "Ada Quartermaine" not in page


def test_open_actions_show_on_the_owners_home_page_until_done(client, place):
    place.session()
    action = SupervisionAction.objects.get()
    client.force_login(place.care_partner)
    page = text(client.get(reverse("home")))
    assert "Your supervision actions" in page
    assert "Ask about the walking group" in page
    client.post(
        reverse("supervision:complete-action", kwargs={"action_id": action.pk}),
        {"next": reverse("home")},
    )
    page = text(client.get(reverse("home")))
    assert "Your supervision actions" not in page


def test_supervisors_and_team_leads_find_the_pages_from_home(client, place):
    client.force_login(place.supervisor)
    page = text(client.get(reverse("home")))
    assert reverse("supervision:review") in page
    assert reverse("supervision:new-session") in page
    client.force_login(place.team_lead)
    page = text(client.get(reverse("home")))
    assert reverse("supervision:agreements") in page
    assert reverse("supervision:tree") in page


# --- The caseload review: one supervisee at a time, a page at a time ----------------------------


def supervise(place: Place, first: str, last: str):
    """Another practitioner the supervisor supervises, with one person on their caseload."""
    other = practitioner_in(place.vcse_team, user__first_name=first, user__last_name=last)
    services.make_agreement(
        supervisee=other,
        supervisor=place.supervisor,
        starts_on=TODAY() - dt.timedelta(days=30),
        terms={Kind.INDIVIDUAL: 4},
        by=place.team_lead,
    )
    person = PersonFactory(given_name="Bryn", family_name="Featherstone")
    allocate(EpisodeFactory(person=person, lead_team=place.vcse_team), other)
    return other, person


def test_the_review_shows_one_supervisee_at_a_time_with_links_to_the_others(client, place):
    _other, theirs = supervise(place, "Ben", "Berg")
    client.force_login(place.supervisor)
    url = reverse("supervision:review")
    page = text(client.get(url))
    # Ben Berg comes first by name; Ana Lind is a link away.
    caseload = page.split('id="caseload"')[1]
    assert "Bryn Featherstone" in caseload
    assert "Ada Quartermaine" not in caseload
    assert f'href="{url}?supervisee={place.care_partner.pk}"' in page
    assert "Ana Lind: 1 to discuss" in page
    assert AccessEvent.objects.filter(user=place.supervisor, person=theirs).exists()
    assert not AccessEvent.objects.filter(user=place.supervisor, person=place.person).exists()

    page = text(client.get(url, {"supervisee": place.care_partner.pk, "show": "all"}))
    caseload = page.split('id="caseload"')[1]
    assert "Ada Quartermaine" in caseload
    assert "Bryn Featherstone" not in caseload
    assert f"?supervisee={place.care_partner.pk}" in page.split("Show only people")[0][-200:]

    page = text(client.get(url, {"supervisee": place.outsider.pk}))
    assert "is not someone you supervise under a current agreement" in page
    assert "Bryn Featherstone" in page.split('id="caseload"')[1]


def test_a_long_caseload_pages_with_the_same_number_of_queries(
    client, place, django_assert_max_num_queries
):
    for n in range(30):
        episode = EpisodeFactory(
            lead_team=place.vcse_team, started_at=timezone.now() - dt.timedelta(days=60 + n)
        )
        allocate(episode, place.care_partner)
    client.force_login(place.supervisor)
    url = reverse("supervision:review")
    with django_assert_max_num_queries(60) as first:
        page = text(client.get(url))
    few = len(first.captured_queries)  # now: the query log is a bounded deque
    assert "Caseload of Ana Lind (Showing 1–25 of 31 people)" in page
    assert f'href="{url}?page=2#caseload"' in page
    page = text(client.get(url, {"page": "2"}))
    assert "Showing 26–31 of 31 people" in page
    for _ in range(30):
        episode = EpisodeFactory(lead_team=place.vcse_team)
        allocate(episode, place.care_partner)
    with django_assert_max_num_queries(few):
        page = text(client.get(url, {"page": "40"}))
    assert "There is no page 40: the list has 3 pages, so this is the last." in page
    assert "Showing 51–61 of 61 people" in page


# --- Whom to ask for one's own agreement ----------------------------------------------------------


def test_someone_with_no_agreement_is_told_who_can_make_one_by_name_and_role(client, place):
    lead = place.team_lead
    lead.first_name, lead.last_name = "Tess", "Lead"
    lead.save()
    newcomer = practitioner_in(place.vcse_team, user__first_name="Nia", user__last_name="New")
    client.force_login(newcomer)
    page = text(client.get(reverse("supervision:agreements")))
    assert "Ask Tess Lead (team lead, Wellspring Care Partners) to make one." in page

    # The team lead is not told to ask their team lead: they are told who can make theirs.
    client.force_login(lead)
    page = text(client.get(reverse("supervision:agreements")))
    assert "Ask your team lead" not in page
    assert "No one in Alongside can make one for you yet" in page
    admin = MembershipFactory(
        team=TeamFactory(organisation=place.vcse_team.organisation),
        role=Role.ORG_ADMIN,
        user__first_name="Ola",
        user__last_name="Admin",
    ).user
    page = text(client.get(reverse("supervision:agreements")))
    assert f"Ask {admin.display_name} (administrator, your organisation) to make one." in page
