"""No page of the Django admin shows a person's identifiers, to anyone.

There is no Person admin: a record is read and changed on the staff pages, through the access
policy. Here a person with distinctive identifiers, a portal account, a carer and a meeting that
mentions them is made; the administrator even holds a care role with a basis to their record.
Then every list, search, add and change page of every model in the admin, and every autocomplete
behind them, is asked, and none may show any of it.
"""

import contextlib
import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from alongside.meetings.models import Attendee, LocalityMeeting
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    UserFactory,
)
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import policy
from alongside.sharing.models import Action, Part
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db

IDENTIFIERS = [
    "Zephyrine",
    "Quillfeather",
    "zq.portal",
    "zephyrine.quillfeather@example.org.uk",
    "07700 900461",
    "9990001235",
    "999 000 1235",
    "ZZ9 9ZZ",
    "19 July 1933",
    "1933-07-19",
    "19/07/1933",
    "July 19, 1933",
    "Barnabus",
]


@pytest.fixture
def scene():
    admin_user = UserFactory(username="sysadmin", is_superuser=True, is_staff=True)
    membership = MembershipFactory(user=admin_user, role=Role.PRACTITIONER)
    portal = UserFactory(
        username="zq.portal",
        first_name="Zephyrine",
        last_name="Quillfeather",
        email="zephyrine.quillfeather@example.org.uk",
    )
    person = PersonFactory(
        given_name="Zephyrine",
        family_name="Quillfeather",
        preferred_name="Zephyrine",
        date_of_birth=dt.date(1933, 7, 19),
        nhs_number="9990001235",
        postcode="ZZ9 9ZZ",
        phone="07700 900461",
        email="zephyrine.quillfeather@example.org.uk",
        carer_name="Barnabus Quillfeather",
        user=portal,
    )
    record_consent(
        person=person,
        organisation=membership.team.organisation,
        parts=["plan"],
        method="spoken",
        recorded_by=UserFactory(),
    )
    # Consent is a lawful basis only (ADR-009): their team leads the person's care as well.
    from alongside.care.tests.factories import EpisodeFactory

    EpisodeFactory(person=person, lead_team=membership.team)
    meeting = LocalityMeeting.objects.create(
        locality=LocalityFactory(),
        starts_at=timezone.now(),
        created_by=admin_user,
        notes="Zephyrine Quillfeather to be discussed first",
    )
    Attendee.objects.create(
        meeting=meeting, name="Barnabus Quillfeather", organisation=membership.team.organisation
    )
    return admin_user, person


def _leaks(html: str) -> list[str]:
    lowered = html.lower()
    return [i for i in IDENTIFIERS if i.lower() in lowered]


def _pages(client, user) -> dict[str, str]:
    """Every admin page a system administrator can reach for the models registered today."""
    pages: dict[str, str] = {}
    request = RequestFactory().get("/admin/")
    request.user = user

    def get(url: str, term: str = "") -> None:
        html = client.get(url, follow=True).content.decode(errors="replace")
        if term:  # the search box and links repeat what was searched for; the rest must not
            for echo in (term, quote(term)):
                html = re.sub(re.escape(echo), "", html, flags=re.IGNORECASE)
        pages[url] = html

    get(reverse("admin:index"))
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        get(changelist)
        for term in ("Quillfeather", "zephyrine", "9990001235", "ZZ9"):
            get(f"{changelist}?q={quote(term)}", term)
        with contextlib.suppress(NoReverseMatch):
            get(reverse("admin:{}_{}_add".format(*info)))
        for pk in model_admin.get_queryset(request).values_list("pk", flat=True)[:25]:
            get(reverse("admin:{}_{}_change".format(*info), args=[pk]))
        fields = list(model_admin.autocomplete_fields)
        for inline in model_admin.inlines:
            fields += [(inline.model, f) for f in getattr(inline, "autocomplete_fields", ())]
        for field in fields:
            source, name = field if isinstance(field, tuple) else (model, field)
            for term in ("Quill", "zephyrine", "zq"):
                get(
                    reverse("admin:autocomplete")
                    + f"?term={term}&app_label={source._meta.app_label}"
                    f"&model_name={source._meta.model_name}&field_name={name}",
                    term,
                )
    # The autocompletes a Person admin once had, and the record's admin pages.
    person = Person.objects.get(family_name="Quillfeather")
    for name in ("user", "registered_gp_practice"):
        get(
            reverse("admin:autocomplete")
            + f"?term=Quill&app_label=people&model_name=person&field_name={name}",
            "Quill",
        )
    get("/admin/people/person/?q=Quillfeather", "Quillfeather")
    get(f"/admin/people/person/{person.pk}/change/")
    get(f"/admin/accounts/user/{person.user_id}/change/")
    return pages


def test_no_admin_page_or_autocomplete_shows_a_persons_identifiers(client, scene):
    admin_user, person = scene
    # The administrator has a basis to the record (their care role and the person's consent):
    # still, the admin is not where it is read.
    assert policy.decide(admin_user, person, Part.DETAILS, Action.VIEW).allowed
    client.force_login(admin_user)
    pages = _pages(client, admin_user)
    assert len(pages) > 60
    leaks = {url: found for url, html in pages.items() if (found := _leaks(html))}
    assert leaks == {}


def test_there_is_no_person_admin():
    assert not admin.site.is_registered(Person)
