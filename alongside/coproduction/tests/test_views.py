"""The co-production pages: who may see and do what, a review recorded end to end with the gap
shown, bad input shown beside its field with nothing saved, the register named as each expert
asked, linking to a Person record only among those the user may open (audited), rates, payments
and the finance CSV."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care.hooks import TeamLinks
from alongside.care.tests.factories import EpisodeFactory, allocate
from alongside.coproduction import services
from alongside.coproduction.models import (
    Characteristic,
    Expert,
    ExpertRole,
    Involvement,
    InvolvementRate,
    Naming,
    Raters,
    Rating,
    Review,
    ReviewAction,
    RoleKind,
)
from alongside.core.access import declaration
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import AccessEvent
from alongside.sharing.tests.test_matrix import app_patterns

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def text(response) -> str:
    return html.unescape(response.content.decode())


class Place:
    """A VCSE with a team (its lead, a Care Partner, an administrator of the VCSE), a trust team
    elsewhere with its own key worker, an analyst, and an expert by experience on the VCSE's
    register who wishes to be named by initials."""

    def __init__(self) -> None:
        self.vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
        self.team = TeamFactory(organisation=self.vcse, name="Community Connectors")
        self.lead = MembershipFactory(
            team=self.team, role=Role.TEAM_LEAD, user__first_name="Lena", user__last_name="Ford"
        ).user
        self.care_partner = MembershipFactory(team=self.team, role=Role.PRACTITIONER).user
        self.admin = MembershipFactory(
            team=TeamFactory(organisation=self.vcse, name="Head office"), role=Role.ORG_ADMIN
        ).user
        self.trust_team = TeamFactory(name="Central CMHT")
        self.outsider = MembershipFactory(team=self.trust_team, role=Role.PRACTITIONER).user
        self.analyst = MembershipFactory(team=self.trust_team, role=Role.ANALYST).user
        self.expert = services.register_expert(
            given_name="Sam",
            family_name="Okafor",
            organisation=self.vcse,
            consent_on=TODAY() - dt.timedelta(days=100),
            by=self.admin,
            naming=Naming.INITIALS,
        )


@pytest.fixture
def place() -> Place:
    return Place()


def ratings_post(scores: list[int], evidence: str = "Examples", **extra: object) -> dict:
    data: dict = dict(extra)
    for characteristic, score in zip(Characteristic, scores, strict=True):
        data[characteristic.value] = str(score)
        data[f"{characteristic.value}_evidence"] = f"{evidence}: {characteristic.label}"
    return data


def date_post(name: str, day: dt.date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def test_every_coproduction_page_declares_what_it_reaches():
    routes = {
        route: declaration(p.callback)
        for route, namespace, p in app_patterns()
        if namespace == "coproduction"
    }
    assert len(routes) >= 26
    # The person's voice in their care is part of their record; nothing else reaches one.
    voice = "coproduction/people/<int:person_id>/voice/"
    assert routes.pop(voice) == "person_data"
    # Linking an expert to their own record finds the record through the policy: a list of one.
    assert routes.pop("coproduction/experts/<int:expert_id>/link/") == "person_list"
    assert set(routes.values()) == {"no_person_data"}


def test_the_persons_voice_is_a_part_of_their_record_for_those_who_may_read_the_plan(client, place):
    from alongside.care import services as care
    from alongside.care.models import Authorship
    from alongside.care.tests.factories import EpisodeFactory, allocate

    episode = EpisodeFactory(lead_team=place.team)
    allocate(episode, place.care_partner)
    care.add_goal(episode=episode, text="Allotment", by=place.care_partner,
                  worded_by=Authorship.PERSON)  # fmt: skip
    url = f"/coproduction/people/{episode.person_id}/voice/"
    client.force_login(place.care_partner)
    page = text(client.get(url))
    assert "Community Connectors (Wyvern Mind)" in page
    row = page[page.index("Goals in the person's own words") :]
    row = row[: row.index("</tr>")]
    assert re.findall(r"</span>([^<]*)</td>", row) == ["1", "1", "100%"]
    assert 'href="/coproduction/people/' in page  # in the record's navigation
    assert AccessEvent.objects.filter(
        user=place.care_partner, person_id=episode.person_id, part="plan", allowed=True
    ).exists()
    client.force_login(place.outsider)
    assert client.get(url).status_code == 404


def test_the_team_links_to_its_coproduction_page(place):
    links = TeamLinks.for_team(place.team.pk)
    assert {
        "href": f"/coproduction/teams/{place.team.pk}/",
        "text": "Co-production reviews",
    } in links


# --- A review, end to end ----------------------------------------------------------------------


def test_a_team_lead_records_a_review_and_the_gap_shows(client, place):
    client.force_login(place.lead)
    overview = client.get(reverse("coproduction:overview"))
    assert overview.status_code == 200
    assert "Community Connectors" in text(overview) and "Due now" in text(overview)
    assert "Central CMHT" not in text(overview)  # not their team

    team_page = reverse("coproduction:team", kwargs={"team_id": place.team.pk})
    opened = client.post(
        reverse("coproduction:open-team-review", kwargs={"team_id": place.team.pk}),
        {**date_post("held_on", TODAY()), "notes": "Facilitated by the peer lead"},
    )
    review = Review.objects.get()
    assert opened.url == reverse("coproduction:review", kwargs={"review_id": review.pk})
    staff = client.post(
        reverse("coproduction:rate-staff", kwargs={"review_id": review.pk}),
        ratings_post([4, 4, 3, 3, 4, 3], staff_raters="6"),
    )
    assert staff.status_code == 302
    experts_form = client.get(reverse("coproduction:rate-experts", kwargs={"review_id": review.pk}))
    assert f"SO (ref. {place.expert.pk}), Wyvern Mind" in text(experts_form)
    assert "Sam Okafor" not in text(experts_form)  # the lead does not manage the register
    assert "3 – Developing: it happens often, not yet everywhere" in text(experts_form)
    experts = client.post(
        reverse("coproduction:rate-experts", kwargs={"review_id": review.pk}),
        ratings_post([2, 3, 2, 3, 1, 2], experts=[str(place.expert.pk)]),
    )
    assert experts.status_code == 302
    assert Rating.objects.filter(raters=Raters.EXPERTS).count() == 6
    assert list(review.experts.all()) == [place.expert]

    page = text(client.get(team_page))
    # Staff mean 3.5, experts 13/6 = 2.2, gap 8/6 = +1.3; blurring's gap is 4 − 1 = 3.
    assert "On average staff rate co-production 1.3 points higher" in page
    assert "+1.3 staff higher" in page and "+3 staff higher" in page and "No gap" in page
    assert "3.5" in page and "2.2" in page
    assert "Blurring distinctions between professionals" in page
    assert "Examples: Recognising people as assets" in page
    # The chart, with its description in words, and the table beside it.
    assert "Staff and experts by experience's ratings of each characteristic" in page
    assert "The widest gap is on Blurring distinctions" in page

    overview = text(client.get(reverse("coproduction:overview")))
    assert ">+1.3</strong>" in overview and "Next due" in overview


def test_ratings_without_evidence_or_raters_show_beside_their_fields_and_save_nothing(
    client, place
):
    review = services.open_review(held_on=TODAY(), by=place.lead, team=place.team)
    client.force_login(place.lead)
    data = ratings_post([4, 4, 3, 3, 4, 3], staff_raters="")
    data["blurring_evidence"] = "  "
    del data["mutuality"]
    response = client.post(
        reverse("coproduction:rate-staff", kwargs={"review_id": review.pk}), data
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Give the evidence behind the rating of 'Blurring distinctions" in page
    assert "Rate 'Mutuality and reciprocity' from 1 to 5" in page
    assert "Say how many staff took part in the rating" in page
    assert 'href="#id_blurring_evidence"' in page
    assert Rating.objects.count() == 0
    off_scale = ratings_post([4, 4, 3, 3, 4, 6], staff_raters="3")
    response = client.post(
        reverse("coproduction:rate-staff", kwargs={"review_id": review.pk}), off_scale
    )
    assert "Rate 'Facilitating rather than delivering' from 1 to 5" in text(response)
    no_experts = client.post(
        reverse("coproduction:rate-experts", kwargs={"review_id": review.pk}),
        ratings_post([2] * 6),
    )
    assert "Choose the experts by experience who made the rating" in text(no_experts)
    assert Rating.objects.count() == 0


def test_a_review_in_the_future_is_refused(client, place):
    client.force_login(place.lead)
    response = client.post(
        reverse("coproduction:open-team-review", kwargs={"team_id": place.team.pk}),
        date_post("held_on", TODAY() + dt.timedelta(days=1)),
    )
    assert "The date of the review cannot be in the future" in text(response)
    assert not Review.objects.exists()


def test_who_may_see_and_record(client, place):
    review = services.open_review(held_on=TODAY(), by=place.lead, team=place.team)
    team_page = reverse("coproduction:team", kwargs={"team_id": place.team.pk})
    open_page = reverse("coproduction:open-team-review", kwargs={"team_id": place.team.pk})
    staff = reverse("coproduction:rate-staff", kwargs={"review_id": review.pk})
    experts = reverse("coproduction:rate-experts", kwargs={"review_id": review.pk})
    # Anyone in the team sees its page and may take part in the staff rating, not the rest.
    client.force_login(place.care_partner)
    assert client.get(team_page).status_code == 200
    assert client.get(staff).status_code == 200
    assert client.get(experts).status_code == 403
    assert client.get(open_page).status_code == 403
    assert "Record a review" not in text(client.get(team_page))
    # Someone in another team does not see it at all.
    client.force_login(place.outsider)
    assert client.get(team_page).status_code == 404
    assert client.get(staff).status_code == 404
    # An analyst sees every review, read-only.
    client.force_login(place.analyst)
    assert client.get(team_page).status_code == 200
    assert client.get(staff).status_code == 403
    assert client.get(open_page).status_code == 403
    overview = text(client.get(reverse("coproduction:overview")))
    assert "Community Connectors" in overview and "Wyvern Mind" in overview
    # The organisation's administrator records its teams' reviews and the service's own.
    client.force_login(place.admin)
    assert client.get(open_page).status_code == 200
    service = reverse(
        "coproduction:open-organisation-review", kwargs={"organisation_id": place.vcse.pk}
    )
    assert client.get(service).status_code == 200
    # Not signed in: to the sign-in page.
    client.logout()
    assert client.get(team_page).url.startswith(reverse("accounts:sign-in"))


def test_actions_are_added_with_an_owner_and_completed_with_what_changed(client, place):
    review = services.open_review(held_on=TODAY(), by=place.lead, team=place.team)
    client.force_login(place.lead)
    add = reverse("coproduction:add-action", kwargs={"review_id": review.pk})
    form = text(client.get(add))
    assert "Lena Ford – Team lead, Community Connectors" in form
    refused = client.post(add, {"text": "Co-design the leaflet", **date_post("due_on", TODAY())})
    assert "Choose who owns the action" in text(refused)
    assert not ReviewAction.objects.exists()
    client.post(
        add,
        {
            "text": "Co-design the leaflet",
            "owner": str(place.care_partner.pk),
            "characteristic": Characteristic.ASSETS,
            **date_post("due_on", TODAY() + dt.timedelta(days=30)),
        },
    )
    action = ReviewAction.objects.get()
    team_page = text(client.get(reverse("coproduction:team", kwargs={"team_id": place.team.pk})))
    assert "Co-design the leaflet" in team_page and "Open actions" in team_page
    # Its owner completes it, saying what changed.
    client.force_login(place.care_partner)
    complete = reverse("coproduction:complete-action", kwargs={"action_id": action.pk})
    assert "Say what changed because of the action" in text(
        client.post(complete, {"what_changed": ""})
    )
    client.post(complete, {"what_changed": "Rewritten with the peer group"})
    action.refresh_from_db()
    assert action.completed_by == place.care_partner
    # Someone else in the team may not complete others' actions once done or otherwise.
    client.force_login(place.outsider)
    assert client.get(complete).status_code == 404


# --- The register --------------------------------------------------------------------------------


def test_the_register_shows_full_names_only_to_those_who_manage_it(client, place):
    register = reverse("coproduction:experts")
    expert_page = reverse("coproduction:expert", kwargs={"expert_id": place.expert.pk})
    client.force_login(place.admin)
    assert "Sam Okafor" in text(client.get(register))
    assert "Sam Okafor" in text(client.get(expert_page))
    client.force_login(place.lead)
    page = text(client.get(register))
    assert f"SO (ref. {place.expert.pk})" in page and "Okafor" not in page
    assert "Okafor" not in text(client.get(expert_page))
    edit = reverse("coproduction:edit-expert", kwargs={"expert_id": place.expert.pk})
    assert client.get(edit).status_code == 403
    client.force_login(place.care_partner)
    assert client.get(register).status_code == 403


def test_an_administrator_adds_and_edits_an_expert(client, place):
    client.force_login(place.admin)
    new = reverse("coproduction:new-expert")
    refused = client.post(
        new,
        {
            "given_name": "",
            "family_name": "Reid",
            "naming": Naming.FIRST,
            "organisation": str(place.vcse.pk),
            "reward": "payment",
            **date_post("consent_on", TODAY() + dt.timedelta(days=2)),
        },
    )
    assert "Enter their first name" in text(refused)
    assert "The date they consented cannot be in the future" in text(refused)
    assert Expert.objects.count() == 1
    other = OrganisationFactory(name="Not theirs")
    foreign = client.post(new, {"given_name": "Ali", "organisation": str(other.pk)})
    assert "Choose an organisation you manage the register of" in text(foreign)
    added = client.post(
        new,
        {
            "given_name": "Ali",
            "family_name": "Reid",
            "naming": Naming.ANONYMOUS,
            "organisation": str(place.vcse.pk),
            "reward": "voucher",
            "email": "ali@example.org",
            **date_post("consent_on", TODAY()),
        },
    )
    ali = Expert.objects.get(family_name="Reid")
    assert added.url == reverse("coproduction:expert", kwargs={"expert_id": ali.pk})
    edit = reverse("coproduction:edit-expert", kwargs={"expert_id": ali.pk})
    assert 'value="Reid"' in text(client.get(edit))
    data = {
        "given_name": "Ali",
        "family_name": "Reid",
        "naming": Naming.FULL,
        "organisation": str(place.vcse.pk),
        "reward": "payment",
        "consent_note": "Agreed in writing",
        **date_post("consent_on", TODAY() - dt.timedelta(days=3)),
        **date_post("left_on", TODAY() - dt.timedelta(days=5)),
    }
    assert "The date they left cannot be before they consented" in text(client.post(edit, data))
    data.update(date_post("left_on", TODAY()))
    client.post(edit, data)
    ali.refresh_from_db()
    assert (ali.naming, ali.reward, ali.left_on, ali.consent_note) == (
        Naming.FULL,
        "payment",
        TODAY(),
        "Agreed in writing",
    )


def test_linking_finds_only_records_the_user_may_open_and_is_audited(client, place):
    # The administrator is also a Care Partner, key worker of one person.
    MembershipFactory(user=place.admin, team=place.team, role=Role.PRACTITIONER)
    theirs = PersonFactory(given_name="Sam", family_name="Okafor")
    episode = EpisodeFactory(person=theirs, lead_team=place.team)
    allocate(episode, place.admin)
    stranger = PersonFactory(given_name="Zebedee", family_name="Quillfeather")
    client.force_login(place.admin)
    link = reverse("coproduction:link", kwargs={"expert_id": place.expert.pk})
    assert "Their NHS number" in text(client.get(link))
    bad = client.post(link, {"action": "find", "nhs_number": "123"})
    assert "NHS number must be 10 numbers" in text(bad)
    hidden = client.post(link, {"action": "find", "nhs_number": stranger.nhs_number})
    assert "No record you may open has this NHS number" in text(hidden)
    assert stranger.family_name not in text(hidden)
    before = AccessEvent.objects.count()
    found = client.post(link, {"action": "find", "nhs_number": theirs.nhs_number})
    assert "Sam Okafor, born" in text(found)
    assert AccessEvent.objects.filter(person=theirs, user=place.admin).count() == 1
    assert AccessEvent.objects.count() == before + 1
    unconfirmed = client.post(link, {"action": "link", "person": str(theirs.pk)})
    assert "Confirm that they chose this" in text(unconfirmed)
    place.expert.refresh_from_db()
    assert place.expert.person is None
    forged = client.post(link, {"action": "link", "person": str(stranger.pk), "chose": "on"})
    assert forged.status_code == 404
    client.post(link, {"action": "link", "person": str(theirs.pk), "chose": "on"})
    place.expert.refresh_from_db()
    assert place.expert.person == theirs and place.expert.linked_on == TODAY()
    page = text(client.get(reverse("coproduction:expert", kwargs={"expert_id": place.expert.pk})))
    assert "because they chose to" in page and theirs.nhs_number not in page
    client.post(link, {"action": "unlink"})
    place.expert.refresh_from_db()
    assert place.expert.person is None


def test_roles_are_added_and_ended(client, place):
    client.force_login(place.admin)
    add = reverse("coproduction:add-role", kwargs={"expert_id": place.expert.pk})
    assert "Choose the role" in text(client.post(add, date_post("started_on", TODAY())))
    client.post(
        add,
        {
            "kind": RoleKind.STRATEGIC,
            "where": f"team-{place.team.pk}",
            **date_post("started_on", TODAY() - dt.timedelta(days=10)),
        },
    )
    role = ExpertRole.objects.get()
    assert role.team == place.team
    end = reverse("coproduction:end-role", kwargs={"role_id": role.pk})
    early = client.post(end, date_post("ended_on", TODAY() - dt.timedelta(days=11)))
    assert "A role cannot end before it started" in text(early)
    client.post(end, date_post("ended_on", TODAY()))
    role.refresh_from_db()
    assert role.ended_on == TODAY()


def test_a_team_lead_records_an_involvement_and_later_what_changed(client, place):
    services.set_rate(
        organisation=place.vcse,
        kind=RoleKind.SERVICE_DESIGN,
        hourly=Decimal("18.50"),
        valid_from=TODAY() - dt.timedelta(days=100),
        by=place.admin,
    )
    client.force_login(place.lead)
    record = reverse("coproduction:record-involvement", kwargs={"expert_id": place.expert.pk})
    form = text(client.get(record))
    assert "Community Connectors (Wyvern Mind)" in form
    base = {
        "kind": RoleKind.SERVICE_DESIGN,
        "organisation": str(place.vcse.pk),
        "team": str(place.team.pk),
        "what": "Redesign of the waiting room",
        "decided": "A quiet space",
        **date_post("on", TODAY()),
    }
    for hours, message in (
        ("-1", "Hours must be more than 0"),
        ("0", "Hours must be more than 0"),
        ("13", "Hours must be 12 or fewer for one day"),
        ("1.1", "Give hours in quarters of an hour"),
        ("lots", "Enter the hours as a number"),
        ("", "Enter the hours, for example 1.5"),
    ):
        assert message in text(client.post(record, {**base, "hours": hours})), hours
    future = {**base, **date_post("on", TODAY() + dt.timedelta(days=1)), "hours": "2"}
    assert "The date of the involvement cannot be in the future" in text(
        client.post(record, future)
    )
    assert not Involvement.objects.exists()
    client.post(record, {**base, "hours": "1.5"})
    involvement = Involvement.objects.get()
    assert involvement.owed == Decimal("27.75") and involvement.team == place.team
    change = reverse("coproduction:involvement-change", kwargs={"involvement_id": involvement.pk})
    client.post(change, {"changed": "A quiet room opened"})
    listing = text(client.get(reverse("coproduction:you-said-we-did")))
    assert "A quiet space" in listing and "A quiet room opened" in listing and "SO" in listing
    assert "Okafor" not in listing
    by_team = text(
        client.get(
            reverse("coproduction:you-said-we-did"), {"where": f"team-{place.trust_team.pk}"}
        )
    )
    assert "A quiet room opened" not in by_team
    # Someone in another team may not say what changed.
    client.force_login(place.outsider)
    assert client.get(change).status_code == 403


# --- Rates and payments ------------------------------------------------------------------------


def test_an_administrator_sets_rates_and_others_may_not(client, place):
    rates = reverse("coproduction:rates")
    client.force_login(place.lead)
    assert client.get(rates).status_code == 403
    client.force_login(place.admin)
    day = TODAY() - dt.timedelta(days=10)
    refused = client.post(
        rates,
        {
            "organisation": str(place.vcse.pk),
            "kind": "",
            "hourly": "-2",
            **date_post("valid_from", day),
        },
    )
    assert "Enter the hourly rate in pounds, 0 or more" in text(refused)
    assert not InvolvementRate.objects.exists()
    data = {
        "organisation": str(place.vcse.pk),
        "kind": RoleKind.CO_TRAINER,
        "hourly": "21.00",
        **date_post("valid_from", day),
    }
    client.post(rates, data)
    again = client.post(rates, data)
    assert "already has a rate for this kind of involvement from that date" in text(again)
    page = text(client.get(rates))
    assert "£21.00" in page and "Co-trainer" in page


@pytest.fixture
def owed(place):
    """Three involvements: 2 hours and 1 hour at the VCSE (£15), and 3 hours at another
    organisation the administrator does not manage (£30)."""
    other = OrganisationFactory(name="Elsewhere")
    start = TODAY().replace(day=1)
    for organisation, hourly in ((place.vcse, "15"), (other, "30")):
        services.set_rate(
            organisation=organisation,
            kind=RoleKind.RECRUITMENT,
            hourly=Decimal(hourly),
            valid_from=start - dt.timedelta(days=400),
            by=place.admin,
        )
    made = [
        services.record_involvement(
            expert=place.expert,
            kind=RoleKind.RECRUITMENT,
            on=start,
            hours=Decimal(hours),
            organisation=organisation,
            what="Interview panel",
            by=place.admin,
        )
        for organisation, hours in ((place.vcse, "2"), (place.vcse, "1"), (other, "3"))
    ]
    return made


def test_the_payments_csv_for_finance(client, place, owed):
    client.force_login(place.lead)
    assert client.get(reverse("coproduction:payments-csv")).status_code == 403
    client.force_login(place.admin)
    month = f"{TODAY():%Y-%m}"
    response = client.get(
        reverse("coproduction:payments-csv"), {"first_month": month, "last_month": month}
    )
    assert response["Content-Type"].startswith("text/csv")
    assert f"coproduction-payments-{month}-to-{month}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Only the administrator's own organisation: 2 h + 1 h at £15 = £45.00, 3.00 hours.
    assert len(rows) == 4
    assert [r[3] for r in rows[1:-1]] == ["Wyvern Mind", "Wyvern Mind"]
    assert rows[-1] == ["Total (2 involvements)", "", "", "", "", "3.00", "", "", "45.00", ""]
    assert [r[1] for r in rows[1:-1]] == ["Sam Okafor"] * 2  # finance needs the full name
    # Filtering to an organisation they do not manage is refused as a bad choice.
    other = owed[2].organisation_id
    refused = client.get(
        reverse("coproduction:payments-csv"),
        {"organisation": str(other), "first_month": month, "last_month": month},
    )
    assert refused.status_code == 400
    backwards = client.get(
        reverse("coproduction:payments-csv"),
        {"first_month": month, "last_month": "2000-01"},
    )
    assert backwards.status_code == 400


def test_payments_are_owed_by_expert_and_month_and_marked_paid(client, place, owed):
    client.force_login(place.admin)
    page = text(client.get(reverse("coproduction:payments")))
    assert "Sam Okafor" in page and "£45.00" in page and "£90.00" not in page
    month = f"{TODAY():%Y-%m}"
    mark = reverse("coproduction:mark-paid")
    query = {
        "expert": str(place.expert.pk),
        "month": month,
        "first_month": month,
        "last_month": month,
    }
    confirm = text(client.get(mark, query))
    assert "Not yet paid: £45.00" in confirm
    future = client.post(
        f"{mark}?expert={place.expert.pk}&month={month}&first_month={month}&last_month={month}",
        date_post("paid_on", TODAY() + dt.timedelta(days=1)),
    )
    assert "The date of payment cannot be in the future" in text(future)
    assert not Involvement.objects.filter(paid_on__isnull=False).exists()
    done = client.post(
        f"{mark}?expert={place.expert.pk}&month={month}&first_month={month}&last_month={month}",
        date_post("paid_on", TODAY()),
    )
    assert done.status_code == 302
    assert set(Involvement.objects.filter(paid_on=TODAY()).values_list("pk", flat=True)) == {
        owed[0].pk,
        owed[1].pk,
    }
    assert Involvement.objects.get(pk=owed[2].pk).paid_on is None  # not theirs to mark


def test_the_team_page_shows_the_persons_voice_in_the_teams_care(client, place):
    from alongside.care import services as care
    from alongside.care.models import Authorship
    from alongside.care.tests.factories import EpisodeFactory, allocate

    episode = EpisodeFactory(
        lead_team=place.team, started_at=timezone.now() - dt.timedelta(days=40)
    )
    allocate(episode, place.care_partner)
    care.add_goal(episode=episode, text="Allotment", by=place.care_partner,
                  worded_by=Authorship.PERSON)  # fmt: skip
    care.add_goal(episode=episode, text="Sleep", by=place.care_partner,
                  worded_by=Authorship.PRACTITIONER)  # fmt: skip
    EpisodeFactory(lead_team=place.trust_team)  # another team's: not counted
    client.force_login(place.lead)
    page = text(client.get(f"/coproduction/teams/{place.team.pk}/"))
    table = page[
        page.index('id="care-signals"') : page.index("</table>", page.index("care-signals"))
    ]
    row = table[table.index("Goals in the person's own words") :]
    row = row[: row.index("</tr>")]
    cells = [c for c in re.findall(r"</span>([^<]*)</td>", row)]
    assert cells == ["open goals with their wording recorded", "1", "2", "50%"]
    # The episode is older than four weeks with no agreed plan: 0 of 1; the mean of the two
    # signals with anything to count is 25%.
    assert "25% on average" in table
