"""The privacy notice, accessibility statement, cookies and contact pages: open to anyone, linked
from every page's footer, and showing the deployment's own details from the settings."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "public:privacy-notice": "Privacy notice",
    "public:accessibility": "Accessibility statement",
    "public:cookies": "Cookies",
    "public:contact": "Contact us",
}

ELSEWHERE = {
    "controller_name": "Marchfield Community Health NHS Trust",
    "controller_address": "2 Quay Road, Marchfield, MF1 2AB",
    "ico_registration": "",
    "dpo_name": "Robin Ashdown, Data Protection Officer",
    "dpo_email": "dpo@marchfield.example",
    "dpo_phone": "01632 960555",
    "contact_phone": "01632 960556",
    "contact_email": "help@marchfield.example",
    "contact_hours": "Every day, 8am to 8pm",
    "accessibility_email": "access@marchfield.example",
    "accessibility_date": dt.date(2027, 3, 9),
    "ico_url": "https://ico.org.uk/make-a-complaint/",
    "ico_phone": "0303 123 1113",
}


def text(response) -> str:
    page = response.content.decode()
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def title(response) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    return html_lib.unescape(found.group(1).strip()) if found else ""


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_without_signing_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert title(response) == f"{PAGES[name]} – Alongside"
    assert f"<h1>{PAGES[name]}</h1>" in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/refer-yourself/", "/directory/", "/account/sign-in/", "/cookies/"]
)
def test_every_page_links_to_them_in_its_footer(client, path):
    page = client.get(path).content.decode()
    footer = page[page.index("<footer") :]
    for name, label in PAGES.items():
        assert f'href="{reverse(name)}"' in footer, name
        assert label in footer


def test_a_signed_in_page_links_to_them_too(client):
    client.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    page = client.get("/").content.decode()
    footer = page[page.index("<footer") :]
    for name in PAGES:
        assert f'href="{reverse(name)}"' in footer, name


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_show_the_deployments_own_details(client, settings, name):
    settings.ALONGSIDE_DEPLOYMENT = ELSEWHERE
    shown = text(client.get(reverse(name)))
    assert "Wyvern Mental Health" not in shown
    assert "wyvernmh" not in shown
    assert "01632 960870" not in shown
    expected = {
        "public:privacy-notice": [
            "Marchfield Community Health NHS Trust",
            "2 Quay Road, Marchfield, MF1 2AB",
            "Robin Ashdown, Data Protection Officer",
            "dpo@marchfield.example",
            "01632 960555",
            "0303 123 1113",
        ],
        "public:accessibility": [
            "Marchfield Community Health NHS Trust",
            "access@marchfield.example",
            "01632 960556",
            "Every day, 8am to 8pm",
            "9 March 2027",
        ],
        "public:cookies": [],
        "public:contact": [
            "01632 960556",
            "Every day, 8am to 8pm",
            "help@marchfield.example",
            "dpo@marchfield.example",
            "access@marchfield.example",
            "2 Quay Road, Marchfield, MF1 2AB",
        ],
    }[name]
    for detail in expected:
        assert detail in shown, detail


def test_the_demo_defaults_are_made_up(client):
    shown = text(client.get(reverse("public:contact")))
    assert "Wyvern Mental Health NHS Foundation Trust" in shown
    assert "mentalhealth@wyvernmh.nhs.example" in shown
    assert "01632 960870" in shown  # Ofcom's range for drama
    assert 'href="tel:01632960870"' in client.get(reverse("public:contact")).content.decode()


def test_the_ico_registration_number_shows_only_when_set(client, settings):
    settings.ALONGSIDE_DEPLOYMENT = {**ELSEWHERE, "ico_registration": "Z9876543"}
    assert "registration number with the Information Commissioner's Office is Z9876543" in text(
        client.get(reverse("public:privacy-notice"))
    )
    settings.ALONGSIDE_DEPLOYMENT = ELSEWHERE
    assert "registration number" not in text(client.get(reverse("public:privacy-notice")))


def test_the_privacy_notice_says_what_the_software_does(client, settings):
    settings.SESSION_COOKIE_AGE = 20 * 60
    settings.BREAK_GLASS_HOURS = 6
    settings.ALONGSIDE_SUPPRESSION = {"below": 10, "round_to": 5}
    shown = text(client.get(reverse("public:privacy-notice")))
    for said in [
        "Article 6(1)(e)",
        "Article 9(2)(h)",
        # what the self-referral asks, and how long the answers wait
        "thoughts of harming yourself",
        "your GP practice and NHS number, if you want to give them",
        "If you do not use the form for 20 minutes",
        # who sees it
        "triage coordinators and team lead",
        "Your care team",
        "The locality meeting",
        "Voluntary and community sector partners",
        "for 6 hours, read only, by giving a reason",
        "cannot open anyone's record",
        # figures, retention, rights and the audit
        "we hide any count under 10",
        "20 years after your care ends",
        "subject access request",
        "within one calendar month",
        "who looked at or changed which part of your record",
        "Information Commissioner's Office",
    ]:
        assert said in shown, said


def test_the_accessibility_statement_follows_the_model(client, settings):
    settings.SESSION_COOKIE_AGE = 45 * 60
    shown = text(client.get(reverse("public:accessibility")))
    for said in [
        "Web Content Accessibility Guidelines version 2.2 AA standard",
        "partially compliant",
        "2.2.1 (Timing adjustable)",
        "45 minutes",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Equality Advisory and Support Service",
        "This statement was prepared on 7 December 2026",
    ]:
        assert said in shown, said


def test_the_contact_page_leads_with_where_to_get_help_now(client):
    shown = text(client.get(reverse("public:contact")))
    assert shown.index("If you need help now") < shown.index("Mental health services in Wyvern")
    assert "116 123" in shown


def test_a_mistyped_accessibility_date_stops_the_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from alongside import settings as project_settings

    monkeypatch.setenv("ALONGSIDE_ACCESSIBILITY_DATE", "7/12/2026")
    with pytest.raises(ImproperlyConfigured, match="YYYY-MM-DD"):
        project_settings._date_setting("ALONGSIDE_ACCESSIBILITY_DATE", "2026-12-07")
