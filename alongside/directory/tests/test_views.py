"""The directory's pages: the public search and service page, staff notes, and editing."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs

import pytest
import time_machine
from django.urls import reverse

from alongside.directory.models import Service, ServiceStatus
from alongside.directory.tests import factories as f
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
SEARCH = "/directory/"


def names(response) -> list[str]:
    return re.findall(
        r'<h3 class="nhsuk-heading-s[^"]*"><a href="[^"]+">([^<]+)</a>', response.content.decode()
    )


def staff_user(role=Role.PRACTITIONER, organisation=None):
    user = UserFactory()
    team = TeamFactory(organisation=organisation or OrganisationFactory())
    MembershipFactory(user=user, team=team, role=role)
    return user


def test_the_search_page_is_public_and_lists_services(client):
    f.service("Community Counselling")
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert names(response) == ["Community Counselling"]
    assert "<title>Find mental health support near you – Alongside</title>" in response.text


def test_search_by_text_and_a_misspelling(client):
    f.service("Community Counselling")
    f.service("Debt Advice", description="Free advice about money and benefits.")
    assert names(client.get(SEARCH, {"q": "counselling"})) == ["Community Counselling"]
    assert names(client.get(SEARCH, {"q": "councelling"})) == ["Community Counselling"]
    assert names(client.get(SEARCH, {"q": "benefits"})) == ["Debt Advice"]


def test_a_need_filter_excludes_other_services(client):
    f.service("Debt Advice", needs=("Debt and money",))
    f.service("Walk and Talk", needs=("Physical activity",))
    need = f.term("Debt and money")
    response = client.get(SEARCH, {"need": str(need.pk)})
    assert names(response) == ["Debt Advice"]


def test_filters_by_locality_self_referral_age_and_language(client):
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    f.service(
        "North Group", at=f.postcode("WY4 1AB", 52.4, -2.4, north), accepts_self_referral=True
    )
    f.service("South Group", at=f.postcode("WY7 1AB", 52.2, -2.4, south), minimum_age=65)
    f.service("Urdu Circle", languages=("English", "Urdu"), minimum_age=16, maximum_age=25)
    assert names(client.get(SEARCH, {"locality": north.pk})) == ["North Group"]
    assert names(client.get(SEARCH, {"self_referral": "on"})) == ["North Group"]
    assert names(client.get(SEARCH, {"age": "70"})) == ["North Group", "South Group"]
    assert names(client.get(SEARCH, {"age": "20"})) == ["North Group", "Urdu Circle"]
    assert names(client.get(SEARCH, {"language": "Urdu"})) == ["Urdu Circle"]


def test_open_now(client):
    f.service("Evening Group", schedule=("TU", dt.time(18), dt.time(20)))
    f.service("Weekday Service", schedule=("MO,TU,WE,TH,FR", dt.time(9), dt.time(17)))
    # Tuesday 24 November 2026, 7pm in London (GMT)
    with time_machine.travel(dt.datetime(2026, 11, 24, 19, 0, tzinfo=dt.UTC), tick=False):
        assert names(client.get(SEARCH, {"open_now": "on"})) == ["Evening Group"]
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC), tick=False):
        assert names(client.get(SEARCH, {"open_now": "on"})) == ["Weekday Service"]


def test_by_postcode_nearest_first_with_distance_and_limit(client):
    here = f.postcode("WY1 1AA", 52.33, -2.42)
    f.service("Far Service", at=f.postcode("WY9 9ZZ", 52.50, -2.42))
    f.service("Near Service", at=f.postcode("WY1 2AB", 52.335, -2.42))
    response = client.get(SEARCH, {"postcode": "wy11aa"})
    assert names(response) == ["Near Service", "Far Service"]
    assert "0.3 miles away" in response.text
    assert "11.7 miles away" in response.text
    assert here.postcode == "WY1 1AA"
    assert names(client.get(SEARCH, {"postcode": "WY1 1AA", "distance": "5"})) == ["Near Service"]


def test_an_unknown_or_malformed_postcode_gets_an_error_message(client):
    f.service()
    response = client.get(SEARCH, {"postcode": "WY12 9XX"})
    assert "There is a problem" in response.text
    assert "We could not find this postcode" in response.text
    assert "<title>Error: " in response.text
    response = client.get(SEARCH, {"postcode": "not a postcode"})
    assert "Enter a full postcode, like WY1 2AB" in response.text


def test_results_are_paginated_keeping_the_search(client):
    for n in range(23):
        f.service(f"Group {n:02d}", organization=None)
    response = client.get(SEARCH, {"q": "group"})
    assert len(names(response)) == 20
    assert "q=group&amp;page=2" in response.text
    assert len(names(client.get(SEARCH, {"q": "group", "page": 2}))) == 3


def test_back_to_results_from_a_service_page_keeps_the_search(client):
    locality = LocalityFactory(name="Wyvern Central")
    here = f.postcode("WY1 1AA", 52.33, -2.42, locality)
    anxiety = f.term("Anxiety")
    for n in range(23):
        f.service(f"Group {n:02d}", needs=("Anxiety",), at=here, accepts_self_referral=True)
    search = {
        "q": "group",
        "postcode": "WY1 1AA",
        "need": [str(anxiety.pk)],
        "self_referral": "on",
        "page": "2",
    }
    results = client.get(SEARCH, search)
    links = re.findall(r'<h3 class="nhsuk-heading-s[^"]*"><a href="([^"]+)">', results.text)
    assert len(links) == 3
    service_href = html.unescape(links[0])
    path, query = service_href.split("?")
    assert path.startswith("/directory/services/")
    carried = parse_qs(query)
    assert carried == {
        "q": ["group"],
        "postcode": ["WY1 1AA"],
        "need": [str(anxiety.pk)],
        "self_referral": ["on"],
        "page": ["2"],
    }

    page = client.get(service_href)
    back = re.search(
        r'<a class="nhsuk-back-link" href="([^"]+)">\s*Back to search results', page.text
    )
    assert back is not None
    back_href = html.unescape(back.group(1))
    assert back_href.startswith(SEARCH + "?")
    assert parse_qs(back_href.split("?")[1]) == carried
    again = client.get(back_href)
    assert names(again) == names(results)  # the same search, filters and page


def test_only_the_search_is_carried_to_the_service_page_and_back(client):
    service = f.service("Community Counselling")
    page = client.get(
        reverse("directory:service", kwargs={"service_id": service.pk}),
        {"q": "counselling", "next": "https://elsewhere.example/", "age": " "},
    )
    back = re.search(r'<a class="nhsuk-back-link" href="([^"]+)"', page.text)
    assert html.unescape(back.group(1)) == SEARCH + "?q=counselling"
    plain = client.get(reverse("directory:service", kwargs={"service_id": service.pk}))
    assert '<a class="nhsuk-back-link" href="/directory/">' in plain.text
    assert "Back to the directory" in plain.text


def test_the_filters_sit_behind_a_toggle_that_says_how_many_are_chosen(client):
    f.service("Debt Advice", needs=("Debt and money",))
    f.service("Walk and Talk", needs=("Physical activity",))
    money, walking = f.term("Debt and money"), f.term("Physical activity")
    plain = client.get(SEARCH).text
    toggle = re.search(r"<details[^>]*directory-filters[^>]*>", plain).group(0)
    assert " open" not in toggle  # results first on a phone; a script opens it when wide
    assert 'data-open-when-wide="true"' in toggle
    assert plain.index("Filter the results") < plain.index('name="need"')
    assert plain.index('name="q"') < plain.index("<details")  # the search box stays in view
    chosen = client.get(
        SEARCH, {"need": [str(money.pk), str(walking.pk)], "self_referral": "on", "q": "x"}
    ).text
    assert "Filter the results <span" in chosen
    assert "(3 chosen)" in chosen
    assert " open" not in re.search(r"<details[^>]*directory-filters[^>]*>", chosen).group(0)


def test_a_filter_given_wrongly_opens_the_filters_to_show_the_error(client):
    f.service()
    page = client.get(SEARCH, {"age": "old"}).text
    assert "Age must be a whole number, like 34" in page
    assert re.search(r"<details[^>]*directory-filters[^>]*\sopen>", page)


@pytest.mark.parametrize("count", [5, 40])
def test_a_results_page_takes_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, count
):
    org = f.organisation()
    here = f.postcode("WY1 1AA", 52.33, -2.42)
    for n in range(count):
        f.service(
            f"Service {n}",
            organization=org,
            needs=("Anxiety", "Low mood"),
            at=f.postcode(f"WY2 {n}AA", 52.3 + n / 1000, -2.4),
        )
    with django_assert_max_num_queries(20):
        response = client.get(SEARCH, {"postcode": here.postcode, "q": "service"})
    assert response.status_code == 200


def test_the_service_page_shows_the_details(client):
    at = f.postcode("WY1 2AB", 52.33, -2.42, LocalityFactory(name="Wyvernbridge"))
    found = f.service(
        "Community Counselling",
        at=at,
        needs=("Anxiety",),
        schedule=("MO,TH", dt.time(10), dt.time(18)),
        minimum_age=18,
        accepts_self_referral=True,
        email="hello@wellspring.example",
        url="https://wellspring.example/",
        last_reviewed_on=dt.date(2026, 5, 1),
        languages=("English", "Polish"),
    )
    response = client.get(reverse("directory:service", kwargs={"service_id": found.pk}))
    text = response.text
    assert response.status_code == 200
    assert "<title>Community Counselling – Alongside</title>" in text
    for expected in (
        "Mondays and Thursdays, 10am to 6pm",
        "Aged 18 and over",
        "01632 960123",
        "hello@wellspring.example",
        "1 High Street, Wyvernbridge, WY1 2AB",
        "English and Polish",
        "1 May 2026",
        "You can refer yourself",
        "Anxiety",
    ):
        assert expected in text, expected


def test_staff_notes_are_shown_to_staff_only(client):
    found = f.service(how_to_refer="Ring the duty worker on extension 42.")
    href = reverse("directory:service", kwargs={"service_id": found.pk})
    assert "duty worker" not in client.get(href).text
    assert "duty worker" not in client.get(SEARCH).text
    client.force_login(UserFactory())  # signed in, but no staff role
    assert "duty worker" not in client.get(href).text
    client.force_login(staff_user())
    assert "Ring the duty worker on extension 42." in client.get(href).text


def test_defunct_services_are_not_shown_to_the_public(client):
    found = f.service(status=ServiceStatus.DEFUNCT)
    href = reverse("directory:service", kwargs={"service_id": found.pk})
    assert client.get(href).status_code == 404
    assert names(client.get(SEARCH)) == []


# --- Editing -----------------------------------------------------------------------------------


@pytest.fixture
def admin_setup():
    organisation = OrganisationFactory(name="Wellspring Wyvern")
    directory_org = f.organisation("Wellspring Wyvern", organisation=organisation)
    own = f.service(
        "Community Counselling", organization=directory_org, last_reviewed_on=dt.date(2020, 1, 1)
    )
    recent = f.service("Drop-in", organization=directory_org, last_reviewed_on=dt.date.today())
    other = f.service("Debt Advice")
    admin = staff_user(Role.ORG_ADMIN, organisation)
    return admin, own, recent, other


def edit_data(**changes):
    data = {
        "name": "Community Counselling",
        "description": "Counselling.",
        "status": "active",
        "minimum_age": "18",
        "maximum_age": "",
        "eligibility_description": "",
        "accepts_self_referral": "on",
        "how_to_refer": "Email us.",
        "email": "hello@wellspring.example",
        "url": "https://wellspring.example/",
        "taxonomy_terms": [str(f.term("Anxiety").pk)],
    }
    data.update(changes)
    return data


def test_manage_lists_own_services_and_those_not_reviewed(client, admin_setup):
    admin, _own, _recent, _other = admin_setup
    client.force_login(admin)
    response = client.get("/directory/manage/")
    assert response.status_code == 200
    text = response.text
    assert "Community Counselling" in text and "Drop-in" in text and "Debt Advice" not in text
    overdue = text.split('id="not-reviewed"')[1].split('id="all-services"')[0]
    assert "Community Counselling" in overdue and "Drop-in" not in overdue
    assert "1 January 2020" in text


def test_manage_pages_a_long_list_of_services_with_the_same_number_of_queries(
    client, admin_setup, django_assert_max_num_queries
):
    admin, own, _recent, _other = admin_setup
    for n in range(28):
        f.service(f"Group {n:02d}", organization=own.organization, last_reviewed_on=None)
    client.force_login(admin)
    with django_assert_max_num_queries(40) as first:
        text = client.get("/directory/manage/").text
    few = len(first.captured_queries)  # now: the query log is a bounded deque
    assert "Showing 1–25 of 30 services, by name" in text
    assert "Showing 1–25 of 29 services not reviewed" in text
    assert 'href="/directory/manage/?overdue_page=2#not-reviewed"' in text
    for n in range(28, 60):
        f.service(f"Group {n:02d}", organization=own.organization, last_reviewed_on=None)
    with django_assert_max_num_queries(few):
        text = client.get("/directory/manage/", {"page": "3", "overdue_page": "x"}).text
    assert "Showing 51–62 of 62 services, by name" in text
    assert "‘x’ is not a page number, so this is the first page." in text


def test_others_may_not_manage(client, admin_setup):
    admin, own, _recent, other = admin_setup
    edit = reverse("directory:edit", kwargs={"service_id": own.pk})
    assert client.get("/directory/manage/").status_code == 302
    client.force_login(staff_user(Role.PRACTITIONER))
    assert client.get("/directory/manage/").status_code == 403
    assert client.post(edit, edit_data(name="Hacked")).status_code == 403
    # An administrator of another organisation sees none of these services.
    client.force_login(staff_user(Role.ORG_ADMIN))
    response = client.get("/directory/manage/")
    assert "no entries in the directory yet" in response.text
    assert "Community Counselling" not in response.text
    assert client.post(edit, edit_data(name="Hacked")).status_code == 404
    client.force_login(admin)
    other_edit = reverse("directory:edit", kwargs={"service_id": other.pk})
    assert client.post(other_edit, edit_data(name="Hacked")).status_code == 404
    assert not Service.objects.filter(name="Hacked").exists()


def test_a_system_administrator_may_manage_all(client, admin_setup):
    *_, other = admin_setup
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/directory/manage/")
    assert "Debt Advice" in response.text
    edit = reverse("directory:edit", kwargs={"service_id": other.pk})
    assert client.get(edit).status_code == 200


def test_a_valid_edit_is_saved_and_counts_as_a_review(client, admin_setup):
    admin, own, *_ = admin_setup
    client.force_login(admin)
    edit = reverse("directory:edit", kwargs={"service_id": own.pk})
    assert 'value="Community Counselling"' in client.get(edit).text
    response = client.post(edit, edit_data(name="Community Counselling Plus"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.name == "Community Counselling Plus"
    assert own.last_reviewed_on == dt.date.today()
    assert own.last_modified is not None
    assert own.accepts_self_referral
    assert [t.name for t in own.taxonomy_terms.all()] == ["Anxiety"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"minimum_age": "65", "maximum_age": "18"},
            "Youngest age must not be above the oldest age",
        ),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"url": "not a website"}, "Enter a website address in the correct format"),
        ({"name": ""}, "Enter the service"),
    ],
)
def test_bad_input_is_refused_with_an_error_summary(client, admin_setup, changes, message):
    admin, own, *_ = admin_setup
    client.force_login(admin)
    edit = reverse("directory:edit", kwargs={"service_id": own.pk})
    response = client.post(edit, edit_data(**{"name": "Changed", **changes}))
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    own.refresh_from_db()
    assert own.name == "Community Counselling"
    assert own.last_reviewed_on == dt.date(2020, 1, 1)


def test_mark_as_reviewed(client, admin_setup):
    admin, own, *_ = admin_setup
    client.force_login(admin)
    url = reverse("directory:reviewed", kwargs={"service_id": own.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.last_reviewed_on == dt.date.today()
    overdue = client.get("/directory/manage/").text
    assert "All your services were reviewed in the last 6 months" in overdue
