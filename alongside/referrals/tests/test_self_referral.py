"""The public self-referral: every page's checks, the journey through the session, sending it
once and only once, and what protects it (honeypot, rate limit, database failure)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html as html_lib
import re
import uuid

import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from alongside.directory.tests import factories as directory
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.places.models import Postcode
from alongside.referrals import services
from alongside.referrals.models import Referral, SelfReferralAttempt, Source
from alongside.referrals.self_referral import limits
from alongside.referrals.self_referral.journey import DONE_SESSION_KEY, JOURNEY_SESSION_KEY

pytestmark = pytest.mark.django_db

CRISIS = ("Call", "NHS 111", "option 2 for mental health", "999", "Samaritans", "116 123")
SERVICE = "Ask for mental health support – Alongside"

ANSWERS = {
    "about-you": {
        "given_name": "Jordan",
        "family_name": "Achterberg",
        "preferred_name": "Jo",
        "date_of_birth-day": "14",
        "date_of_birth-month": "7",
        "date_of_birth-year": "1990",
    },
    "where-you-live": {
        "postcode": "wy1 1aa",
        "address_line_1": "12 Mill Lane",
        "address_line_2": "",
        "town": "Wyvernbridge",
    },
    "contact": {
        "contact_methods": ["phone", "letter"],
        "phone": "07700 900982",
        "email": "",
        "may_leave_message": "no",
        "contact_safety": "Please do not call before 10am.",
    },
    "what-is-going-on": {
        "concerns": "I have felt low for months\nand cannot face going out.",
        "what_would_help": "Someone to talk to.",
    },
    "your-safety": {"self_harm_thoughts": "no"},
    "communication": {
        "preferred_language": "",
        "interpreter_needed": "no",
        "communication_needs": "",
        "access_needs": "Step-free access, please.",
    },
    "gp": {"gp_practice": "", "nhs_number": ""},
    "consent": {"consent_to_contact": "yes"},
}


@pytest.fixture
def locality():
    return LocalityFactory(name="Wyvern Central")


@pytest.fixture
def triage_team(locality):
    """A community mental health team with a triage coordinator, serving the locality, and
    another team elsewhere, so that routing by postcode shows."""
    Postcode.objects.create(postcode="WY1 1AA", latitude=52.33, longitude=-2.42, locality=locality)
    MembershipFactory(role=Role.COORDINATOR, team=TeamFactory(name="Elsewhere CMHT"))
    team = TeamFactory(name="Wyvern Central CMHT", localities=[locality])
    MembershipFactory(role=Role.COORDINATOR, team=team)
    return team


def url(name: str, returning: bool = False) -> str:
    return reverse(f"self_referral:{name}") + ("?return=check" if returning else "")


def answer(client, step: str, changes: dict | None = None, **kwargs):
    data = {**ANSWERS[step], **(changes or {})}
    return client.post(url(step), data, **kwargs)


def answer_all(client, **overrides) -> None:
    for step in ANSWERS:
        response = answer(client, step, overrides.get(step))
        assert response.status_code == 302, (step, errors(response))


def send(client, **kwargs):
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    return client.post(url("check"), {"submission_key": key, "website": ""}, **kwargs)


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response))))


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", html(response), re.S).group(1).strip()


def errors(response) -> list[str]:
    """The messages in the error summary."""
    summary = re.search(r'class="nhsuk-error-summary.*?</ul>', html(response), re.S)
    if not summary:
        return []
    return [
        html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item))).strip()
        for item in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)
    ]


def assert_crisis_panel(response) -> None:
    page = text(response)
    assert "If you need help now" in page
    for words in CRISIS:
        assert words in page
    for number in ('href="tel:111"', 'href="tel:999"', 'href="tel:116123"'):
        assert number in html(response)


# --- The start page and the way in -----------------------------------------------------------


def test_the_public_start_page_links_to_the_self_referral(client):
    response = client.get("/")
    assert f'href="{url("start")}"' in html(response)
    assert "Ask for mental health support (refer yourself)" in text(response)
    assert_crisis_panel(response)


def test_the_start_page_says_what_it_is_who_for_how_long_and_not_for_emergencies(client):
    response = client.get(url("start"))
    assert response.status_code == 200
    assert title(response) == SERVICE
    page = text(response)
    for words in ["Adults aged 18 and over", "about 10 minutes", "not for emergencies"]:
        assert words in page
    assert f'href="{url("about-you")}"' in html(response)
    assert_crisis_panel(response)
    assert JOURNEY_SESSION_KEY not in client.session


def test_the_start_page_says_who_will_see_the_answers_and_why_before_the_first_question(client):
    response = client.get(url("start"))
    page = text(response)
    said = page.index("Who will see your answers, and why")
    assert said < page.index("Start now")
    assert "community mental health team for where you live" in page
    assert "every time someone does, it is recorded" in page
    notice = f'href="{reverse("public:privacy-notice")}"'
    assert html(response).index(notice) < html(response).index(f'href="{url("about-you")}"')


# --- Each page's checks ------------------------------------------------------------------------


def test_about_you_needs_a_name_and_a_real_date_of_birth(client):
    response = client.post(url("about-you"), {})
    assert response.status_code == 200
    assert title(response) == f"Error: About you – {SERVICE}"
    assert errors(response) == [
        "Enter your first name",
        "Enter your last name",
        "Enter your date of birth",
    ]
    assert 'href="#id_given_name"' in html(response)
    assert 'href="#id_date_of_birth"' in html(response)
    response = answer(client, "about-you", {"date_of_birth-day": "31", "date_of_birth-month": "2"})
    assert errors(response) == ["Date of birth must be a real date"]
    response = answer(client, "about-you", {"date_of_birth-month": ""})
    assert errors(response) == ["Date of birth must include a month"]


def test_a_date_of_birth_in_the_future_is_refused(client):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = answer(
        client,
        "about-you",
        {
            "date_of_birth-day": str(tomorrow.day),
            "date_of_birth-month": str(tomorrow.month),
            "date_of_birth-year": str(tomorrow.year),
        },
    )
    assert errors(response) == ["Date of birth must be in the past"]


def test_under_18s_are_told_it_is_for_adults_and_pointed_to_the_directory(client):
    today = timezone.localdate()
    almost = today - dt.timedelta(days=18 * 365)  # a few days short of 18 (leap days)
    response = answer(
        client,
        "about-you",
        {
            "date_of_birth-day": str(almost.day),
            "date_of_birth-month": str(almost.month),
            "date_of_birth-year": str(almost.year),
        },
    )
    assert errors(response) == ["You must be 18 or over to use this service"]
    assert "This service is for adults aged 18 and over" in text(response)
    assert f'href="{reverse("directory:search")}?age=16"' in html(response)
    try:
        eighteen_today = today.replace(year=today.year - 18)
    except ValueError:  # born on 29 February
        eighteen_today = dt.date(today.year - 18, 2, 28)
    response = answer(
        client,
        "about-you",
        {
            "date_of_birth-day": str(eighteen_today.day),
            "date_of_birth-month": str(eighteen_today.month),
            "date_of_birth-year": str(eighteen_today.year),
        },
    )
    assert response.status_code == 302


def test_where_you_live_needs_a_postcode_unless_there_is_no_fixed_address(client):
    response = answer(client, "where-you-live", {"postcode": ""})
    assert title(response) == f"Error: Where do you live? – {SERVICE}"
    assert errors(response) == ["Enter your postcode, or select 'I do not have a fixed address'"]
    response = answer(client, "where-you-live", {"postcode": "not a postcode"})
    assert errors(response) == ["Enter a full UK postcode, like LS1 4AP"]
    response = answer(client, "where-you-live", {"address_line_1": "", "address_line_2": "Flat 2"})
    assert errors(response) == ["Enter address line 1, usually the building and street"]
    response = answer(
        client,
        "where-you-live",
        {"postcode": "", "no_fixed_address": "on", "address_line_1": "", "town": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url("contact")


def test_contact_needs_a_way_and_the_details_for_each_way_chosen(client):
    answer(client, "where-you-live", {"address_line_1": "", "town": ""})  # no address
    response = client.post(url("contact"), {})
    assert title(response) == f"Error: How can we contact you safely? – {SERVICE}"
    assert errors(response) == ["Select at least one way we can contact you"]
    response = answer(
        client,
        "contact",
        {
            "contact_methods": ["phone", "email", "letter"],
            "phone": "",
            "email": "",
            "may_leave_message": "",
        },
    )
    assert errors(response) == [
        "To get letters, enter your address and postcode on the 'Where do you live?' page, or "
        "choose another way for us to contact you",
        "Enter your phone number, or choose another way for us to contact you",
        "Enter your email address, or choose another way for us to contact you",
        "Select yes if we can leave you a message",
    ]
    response = answer(
        client, "contact", {"contact_methods": ["text"], "phone": "call me", "email": "nope"}
    )
    assert errors(response) == [
        "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
        "Enter an email address in the correct format, like name@example.com",
    ]
    response = answer(
        client,
        "contact",
        {
            "contact_methods": ["email"],
            "phone": "",
            "email": "jo@example.org",
            "may_leave_message": "",
        },
    )
    assert response.status_code == 302


def test_what_is_going_on_needs_the_persons_own_words_and_offers_the_needs(client):
    directory.service("Talking Therapies", needs=("Anxiety", "Low mood"))
    response = client.get(url("what-is-going-on"))
    assert title(response) == f"What is going on for you? – {SERVICE}"
    assert "Anxiety" in text(response) and "Low mood" in text(response)
    response = answer(client, "what-is-going-on", {"concerns": "   "})
    assert errors(response) == ["Tell us what is going on for you"]
    response = answer(client, "what-is-going-on", {"needs": [str(uuid.uuid4())]})
    assert errors(response) == ["Select from the list"]
    response = answer(client, "what-is-going-on", {"concerns": "x" * 5001})
    assert errors(response) == ["What is going on must be 5,000 characters or fewer"]


def test_communication_asks_for_the_language_when_an_interpreter_is_needed(client):
    response = answer(client, "communication", {"interpreter_needed": ""})
    assert errors(response) == ["Select yes if you need an interpreter"]
    response = answer(client, "communication", {"interpreter_needed": "yes"})
    assert errors(response) == [
        "Enter the language you need an interpreter for, like Polish or British Sign Language"
    ]


def test_gp_and_nhs_number_are_optional_but_an_nhs_number_must_be_valid(client):
    response = answer(client, "gp", {"nhs_number": "123"})
    assert title(response) == f"Error: Your GP practice and NHS number – {SERVICE}"
    assert errors(response) == ["NHS number must be 10 numbers"]
    response = answer(client, "gp", {"nhs_number": "943 476 5918"})
    assert errors(response)[0].startswith("Enter a valid NHS number")
    assert answer(client, "gp", {"nhs_number": "943 476 5919"}).status_code == 302
    assert answer(client, "gp").status_code == 302


def test_consent_must_be_answered(client):
    response = client.post(url("consent"), {})
    assert errors(response) == ["Select yes if we can contact you about your request"]


# --- Saying no to contact ------------------------------------------------------------------------


def test_saying_no_to_contact_explains_kindly_and_sends_nothing(client, triage_team):
    answer_all(client)
    response = answer(client, "consent", {"consent_to_contact": "no"})
    assert response["Location"] == url("consent-needed")
    response = client.get(url("consent-needed"))
    assert title(response) == f"We need to be able to contact you – {SERVICE}"
    page = text(response)
    assert "That is your choice, and we respect it" in page
    assert "We have not sent your request" in page
    assert f'href="{reverse("directory:search")}"' in html(response)
    assert f'href="{url("consent")}"' in html(response)
    assert_crisis_panel(response)
    # Check your answers will not send it either.
    assert client.get(url("check"))["Location"] == url("consent-needed")
    assert send(client)["Location"] == url("consent-needed")
    assert Referral.objects.count() == 0
    # Changing their mind brings them to check their answers.
    answer(client, "consent")
    assert client.get(url("check")).status_code == 200


# --- The journey through the session ---------------------------------------------------------


def test_each_page_goes_on_to_the_next_and_back_links_go_back(client):
    previous = url("start")
    slugs = list(ANSWERS)
    for index, step in enumerate(slugs):
        response = client.get(url(step))
        assert response.status_code == 200
        assert f'href="{previous}"' in html(response)  # the back link
        response = answer(client, step)
        following = url(slugs[index + 1]) if index + 1 < len(slugs) else url("check")
        assert response["Location"] == following
        previous = url(step)


def test_going_back_shows_the_answers_already_given(client):
    answer(client, "about-you")
    answer(client, "where-you-live")
    assert answer(client, "contact").status_code == 302
    page = html(client.get(url("about-you")))
    assert 'value="Jordan"' in page
    assert 'value="1990"' in page
    page = html(client.get(url("contact")))
    assert re.search(r'value="phone"\s+checked', page)
    assert not re.search(r'value="email"\s+checked', page)
    assert "Please do not call before 10am." in page
    assert client.get(url("about-you")).status_code == 200  # no errors shown for good answers
    assert "nhsuk-error-summary" not in page


def test_the_key_is_made_when_the_journey_starts_and_kept_until_sending(client):
    client.get(url("about-you"))
    assert JOURNEY_SESSION_KEY not in client.session  # looking is not starting
    answer(client, "about-you")
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    assert uuid.UUID(key).version == 4
    answer(client, "where-you-live")
    assert client.session[JOURNEY_SESSION_KEY]["key"] == key


def test_check_your_answers_sends_people_back_to_what_is_missing(client):
    assert client.get(url("check"))["Location"] == url("start")
    answer(client, "about-you")
    answer(client, "where-you-live")
    assert client.get(url("check"))["Location"] == url("contact", returning=True)


def test_answers_sent_after_the_session_expired_are_kept_and_the_rest_asked_again(client):
    answer(client, "about-you")
    client.session.flush()  # away too long: the session expired
    client.cookies.clear()
    response = answer(client, "what-is-going-on")
    assert response["Location"] == url("your-safety")  # this page's answers were kept
    assert client.session[JOURNEY_SESSION_KEY]["answers"].keys() == {"what-is-going-on"}
    assert client.get(url("check"))["Location"] == url("about-you", returning=True)


def test_check_your_answers_shows_every_answer_with_a_change_link(client, triage_team):
    directory.service("Talking Therapies", needs=("Anxiety", "Low mood"))
    anxiety = directory.term("Anxiety")
    answer_all(client, **{"what-is-going-on": {"needs": [str(anxiety.pk)]}})
    response = client.get(url("check"))
    assert response.status_code == 200
    assert title(response) == f"Check your answers before sending your request – {SERVICE}"
    page = text(response)
    for shown in [
        "Jordan Achterberg",
        "14 July 1990",
        "WY1 1AA",
        "12 Mill Lane",
        "Phone call",
        "Letter",
        "07700 900982",
        "Please do not call before 10am.",
        "Anxiety",
        "Step-free access, please.",
    ]:
        assert shown in page, shown
    assert "I have felt low for months<br>and cannot face going out." in html(response)
    for step in ANSWERS:
        assert f'href="{url(step, returning=True)}"' in html(response).replace("&amp;", "&")
    assert 'Change<span class="nhsuk-u-visually-hidden"> date of birth</span>' in html(response)
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    assert f'name="submission_key" value="{key}"' in html(response)
    assert_crisis_panel(response)


def test_a_change_returns_to_check_your_answers(client, triage_team):
    answer_all(client)
    response = client.get(url("contact", returning=True))
    assert f'href="{url("check")}"' in html(response)  # back to check, not the previous page
    assert f'action="{url("contact", returning=True)}"'.replace("&", "&amp;") in html(response)
    response = client.post(
        url("contact", returning=True),
        {**ANSWERS["contact"], "contact_methods": ["email"], "email": "jo@example.org"},
    )
    assert response["Location"] == url("check")
    page = text(client.get(url("check")))
    assert "jo@example.org" in page
    assert "Phone call" not in page


def test_a_change_that_contradicts_another_answer_is_shown_where_it_can_be_fixed(
    client, triage_team
):
    answer_all(client)  # letters chosen, with an address
    response = client.post(
        url("where-you-live", returning=True),
        {**ANSWERS["where-you-live"], "address_line_1": "", "town": ""},
    )
    assert response["Location"] == url("check")
    response = client.get(url("check"))
    assert response["Location"] == url("contact", returning=True)
    response = client.get(response["Location"])
    assert errors(response)[0].startswith("To get letters, enter your address")


# --- Sending ------------------------------------------------------------------------------------


def test_sending_makes_one_self_referral_with_the_answers(client, triage_team):
    practice = OrganisationFactory(
        name="Castlegate Surgery", kind=OrganisationKind.GP_PRACTICE, ods_code="W12345"
    )
    directory.service("Talking Therapies", needs=("Anxiety", "Low mood"))
    anxiety = directory.term("Anxiety")
    answer_all(
        client,
        **{
            "what-is-going-on": {"needs": [str(anxiety.pk)]},
            "gp": {"gp_practice": "castlegate surgery", "nhs_number": "943 476 5919"},
            "communication": {"preferred_language": "Polish", "interpreter_needed": "yes"},
        },
    )
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    response = send(client)
    assert response.status_code == 302
    assert response["Location"] == url("sent")

    referral = Referral.objects.get()
    assert referral.source == Source.SELF
    assert str(referral.submission_key) == key
    assert referral.team == triage_team
    assert (referral.given_name, referral.family_name, referral.preferred_name) == (
        "Jordan",
        "Achterberg",
        "Jo",
    )
    assert referral.date_of_birth == dt.date(1990, 7, 14)
    assert referral.postcode == "WY1 1AA"
    assert referral.address == "12 Mill Lane\nWyvernbridge"
    assert referral.contact_methods == ["phone", "letter"]
    assert referral.phone == "07700 900982"
    assert referral.may_leave_message is False
    assert referral.contact_safety == "Please do not call before 10am."
    assert referral.consent_to_contact is True
    assert referral.concerns == "I have felt low for months\nand cannot face going out."
    assert referral.what_would_help == "Someone to talk to."
    assert list(referral.needs.all()) == [anxiety]
    assert referral.preferred_language == "Polish"
    assert referral.interpreter_needed is True
    assert referral.access_needs == "Step-free access, please."
    assert referral.gp_practice == practice
    assert referral.gp_practice_name == ""
    assert referral.nhs_number == "9434765919"

    response = client.get(url("sent"))
    assert title(response) == f"Request sent – {SERVICE}"
    assert "nhsuk-panel" in html(response)
    assert referral.reference in text(response)
    assert "What happens next" in text(response)
    assert_crisis_panel(response)
    assert JOURNEY_SESSION_KEY not in client.session  # the answers are cleared
    assert client.session[DONE_SESSION_KEY] == {
        "key": key,
        "reference": referral.reference,
        "at_risk": False,
        "team": triage_team.pk,
        "urgency": "routine",
        "due_at": referral.due_at.isoformat(),
    }


def test_an_unknown_gp_practice_is_kept_as_given(client, triage_team):
    answer_all(client, gp={"gp_practice": "The Surgery on the Hill", "nhs_number": ""})
    send(client)
    referral = Referral.objects.get()
    assert referral.gp_practice is None
    assert referral.gp_practice_name == "The Surgery on the Hill"


def test_a_practice_can_be_given_by_its_ods_code(client, triage_team):
    practice = OrganisationFactory(kind=OrganisationKind.GP_PRACTICE, ods_code="W54321")
    answer_all(client, gp={"gp_practice": "w54321", "nhs_number": ""})
    send(client)
    assert Referral.objects.get().gp_practice == practice


def test_no_fixed_address_is_recorded_as_such(client, triage_team):
    answer_all(
        client,
        **{
            "where-you-live": {
                "postcode": "",
                "no_fixed_address": "on",
                "address_line_1": "",
                "town": "",
            },
            "contact": {"contact_methods": ["phone"]},
        },
    )
    assert "No fixed address" in text(client.get(url("check")))
    send(client)
    referral = Referral.objects.get()
    assert (referral.postcode, referral.address) == ("", "No fixed address")


def test_sending_twice_makes_one_referral_and_shows_the_same_reference(client, triage_team):
    answer_all(client)
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    first = client.post(url("check"), {"submission_key": key})
    second = client.post(url("check"), {"submission_key": key})  # a double click, or a retry
    assert first["Location"] == second["Location"] == url("sent")
    assert Referral.objects.count() == 1
    reference = Referral.objects.get().reference
    assert reference in text(client.get(url("sent")))
    assert client.get(url("check"))["Location"] == url("sent")


def test_a_retry_whose_answer_was_lost_finds_the_same_referral(client, triage_team):
    """The first send reached the database but its session was not saved (the connection
    dropped): the same key, sent again, gives the same referral."""
    answer_all(client)
    key = uuid.UUID(client.session[JOURNEY_SESSION_KEY]["key"])
    made = services.submit_self_referral(
        submission_key=key,
        given_name="Jordan",
        family_name="Achterberg",
        date_of_birth=dt.date(1990, 7, 14),
        concerns="Low",
        consent_to_contact=True,
    )
    response = send(client)
    assert response["Location"] == url("sent")
    assert Referral.objects.count() == 1
    assert made.reference in text(client.get(url("sent")))


def test_a_new_journey_gets_a_new_key(client, triage_team):
    answer_all(client)
    send(client)
    first = client.session[DONE_SESSION_KEY]["key"]
    assert 'value="Jordan"' not in html(client.get(url("about-you")))  # the answers are gone
    answer(client, "about-you")
    assert client.session[JOURNEY_SESSION_KEY]["key"] != first
    assert list(client.session[JOURNEY_SESSION_KEY]["answers"]) == ["about-you"]


def test_a_send_from_an_old_page_does_not_send_the_new_journey(client, triage_team):
    answer_all(client)
    response = client.post(url("check"), {"submission_key": str(uuid.uuid4())})
    assert response["Location"] == url("check")
    assert Referral.objects.count() == 0


def test_pages_are_never_cached(client):
    response = client.get(url("about-you"))
    assert "no-store" in response["Cache-Control"]


# --- Abuse protection ------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_everyone(client, triage_team):
    answer_all(client)
    page = html(client.get(url("check")))
    group = re.search(r'<div class="nhsuk-form-group"[^>]*>\s*<label[^>]*for="website"', page)
    assert group, "honeypot form group"
    assert " hidden" in group.group(0) and 'aria-hidden="true"' in group.group(0)
    field = re.search(r'<input[^>]*name="website"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert "Leave this box empty" in page


def test_a_filled_honeypot_sends_nothing_and_says_so_neutrally(client, triage_team):
    answer_all(client)
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    response = client.post(url("check"), {"submission_key": key, "website": "http://spam"})
    assert response.status_code == 400
    assert title(response) == f"We could not send your request – {SERVICE}"
    assert f'href="{url("check")}"' in html(response)
    assert_crisis_panel(response)
    assert Referral.objects.count() == 0
    # A person who somehow filled it can go back and send.
    assert send(client)["Location"] == url("sent")
    assert Referral.objects.count() == 1


def test_the_rate_limit_refuses_the_next_submission_from_the_same_address(
    client, triage_team, settings
):
    settings.ALONGSIDE_SELF_REFERRAL_LIMIT = 2
    for _ in range(2):
        answer_all(client)
        assert send(client, REMOTE_ADDR="203.0.113.9")["Location"] == url("sent")
    answer_all(client)
    response = send(client, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert title(response) == f"You cannot send a request online right now – {SERVICE}"
    assert "Call us on 01632 960870" in text(response)  # the service's own number
    assert "Call your GP practice" in text(response)
    assert_crisis_panel(response)
    assert Referral.objects.count() == 2
    # Another address is not affected; and the answers were kept for it.
    assert send(client, REMOTE_ADDR="198.51.100.4")["Location"] == url("sent")
    assert Referral.objects.count() == 3


def test_the_rate_limit_counts_an_hour_and_keeps_only_a_hash_of_the_address(
    client, triage_team, settings
):
    settings.ALONGSIDE_SELF_REFERRAL_LIMIT = 1
    address = "203.0.113.9"
    hashed = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()
    ancient = SelfReferralAttempt.objects.create(
        address_hash="x" * 64, at=timezone.now() - dt.timedelta(days=2)
    )
    earlier = SelfReferralAttempt.objects.create(
        address_hash=hashed, at=timezone.now() - dt.timedelta(minutes=61)
    )
    answer_all(client)
    assert send(client, REMOTE_ADDR=address)["Location"] == url("sent")
    assert not SelfReferralAttempt.objects.filter(pk=ancient.pk).exists()  # a day old: gone
    assert SelfReferralAttempt.objects.filter(pk=earlier.pk).exists()
    assert set(SelfReferralAttempt.objects.values_list("address_hash", flat=True)) == {hashed}
    assert limits.address_hash(address) == hashed
    answer_all(client)
    assert send(client, REMOTE_ADDR=address).status_code == 429


def test_a_repeat_of_a_sent_request_is_not_counted_against_the_limit(client, triage_team, settings):
    settings.ALONGSIDE_SELF_REFERRAL_LIMIT = 1
    answer_all(client)
    key = client.session[JOURNEY_SESSION_KEY]["key"]
    for _ in range(3):
        assert client.post(url("check"), {"submission_key": key})["Location"] == url("sent")
    assert SelfReferralAttempt.objects.count() == 1


# --- When the database fails ---------------------------------------------------------------


def test_a_database_failure_keeps_nothing_and_the_answers_so_trying_again_works(
    client, triage_team, monkeypatch
):
    answer_all(client)

    def fails(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "submit_self_referral", fails)
    response = send(client)
    assert response.status_code == 503
    assert title(response) == f"Sorry, there is a problem with the service – {SERVICE}"
    assert "try again" in text(response).lower()
    assert f'href="{url("check")}"' in html(response)
    assert_crisis_panel(response)
    assert Referral.objects.count() == 0
    assert JOURNEY_SESSION_KEY in client.session

    monkeypatch.undo()
    assert client.get(url("check")).status_code == 200
    assert send(client)["Location"] == url("sent")
    assert Referral.objects.count() == 1


def test_a_service_refusal_is_shown_on_check_your_answers(client, settings):
    """With no triage team at all, the service refuses: the person is told, nothing is kept."""
    answer_all(client)
    response = send(client)
    assert response.status_code == 200
    assert title(response).startswith("Error: Check your answers")
    assert errors(response) == [
        "No team has a triage coordinator yet, so referrals cannot be taken."
    ]
    assert Referral.objects.count() == 0


# --- On every page ---------------------------------------------------------------------------


def test_every_page_has_the_crisis_panel_a_back_link_and_a_titled_heading(client, triage_team):
    pages = [url("start"), *(url(step) for step in ANSWERS), url("consent-needed")]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_crisis_panel(response)
        assert "nhsuk-back-link" in html(response), page
        assert title(response).endswith(SERVICE), page
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", html(response), re.S).group(1).strip()
        assert title(response).startswith(heading), page
    answer_all(client)
    response = client.get(url("check"))
    assert_crisis_panel(response)
    assert "nhsuk-back-link" in html(response)
    send(client)
    assert_crisis_panel(client.get(url("sent")))


def test_the_journey_views_declare_they_touch_no_persons_record():
    from alongside.core.access import declaration
    from alongside.referrals.self_referral import views

    for view in (views.start, views.question, views.consent_needed, views.check, views.sent):
        assert declaration(view) == "no_person_data"


def test_the_limit_setting_defaults_to_five():
    assert settings.ALONGSIDE_SELF_REFERRAL_LIMIT == 5


# --- The confirmation: who has the request, how to reach them, when, and what to do now ------


def test_the_confirmation_names_the_team_its_contact_and_when_it_aims_to_decide(
    client, triage_team
):
    triage_team.phone = "01632 960456"
    triage_team.email = "central.cmht@wyvernmh.nhs.example"
    triage_team.save()
    answer_all(client)
    send(client)
    referral = Referral.objects.get()
    response = client.get(url("sent"))
    page = text(response)
    assert f"Your request has gone to the {triage_team.name} ({triage_team.organisation.name})" in (
        page
    )
    assert "01632 960456" in page
    assert 'href="tel:01632960456"' in html(response)
    assert "central.cmht@wyvernmh.nhs.example" in page
    due = referral.due_at.astimezone(timezone.get_current_timezone()).date()
    assert f"within 4 weeks, by {due.day} {due:%B %Y}" in page
    assert "Only this team can look up your request" in page
    # Nobody else can look the reference up, so no one else is offered it.
    assert "give your reference number" not in page.replace("give them your reference number", "")
    assert "GP practice or" not in page
    assert_crisis_panel(response)


def test_a_team_without_its_own_contact_gives_the_services(client, triage_team, settings):
    settings.ALONGSIDE_DEPLOYMENT = {
        **settings.ALONGSIDE_DEPLOYMENT,
        "contact_phone": "01632 960777",
        "contact_email": "ask@service.example",
        "contact_hours": "Weekdays, 8am to 6pm",
    }
    settings.ALONGSIDE_RESPONSE_TIMES = {**settings.ALONGSIDE_RESPONSE_TIMES}
    settings.ALONGSIDE_RESPONSE_TIMES["routine"] = dt.timedelta(days=10)
    answer_all(client)
    send(client)
    page = text(client.get(url("sent")))
    assert "01632 960777 Weekdays, 8am to 6pm" in page
    assert "ask@service.example" in page
    assert "within 10 days" in page


def test_an_urgent_request_is_told_the_urgent_response_and_where_to_get_help_now(
    client, triage_team
):
    answer_all(client, **{"your-safety": {"self_harm_thoughts": "yes", "safe_now": "yes"}})
    send(client)
    referral = Referral.objects.get()
    assert referral.is_urgent
    response = client.get(url("sent"))
    page = text(response)
    assert title(response) == f"Request sent – {SERVICE}"
    assert page.index("Call 999") < page.index("What happens next")
    when = referral.due_at.astimezone(timezone.get_current_timezone())
    assert f"try to contact you within 24 hours (by {when.day} {when:%B %Y} at" in page
    assert f"Your request has gone to the {triage_team.name}" in page
    assert "If things get worse, do not wait for us" in page
    assert "use the numbers above and give your reference number" not in page
