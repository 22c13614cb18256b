"""A mixed day at Alongside, for locust (``benchmarks/load.py`` runs it; the dev group has locust).

Who does what, in the proportions of a working day on a county place:

- **key workers** open their caseload, a person's record and contacts, and record a contact;
- **triage coordinators** open the referral worklists and a referral;
- **team leads** open the insights overview and a measure;
- **the public** search the service directory (by words, by postcode) and open a service, and
  some refer themselves (the whole journey, sent at the end).

Staff sign in once each, through the sign-in form, as distinct demo accounts named in the file
``ALONGSIDE_LOAD_ACCOUNTS`` points at (JSON: role → usernames). Every form is read first and
posted back with its hidden fields, as a browser would. Each request is named by its page, not
its URL, so that the figures group by page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from typing import Any

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = "alongside-demo"
ACCOUNTS: dict[str, list[str]] = json.loads(
    open(os.environ["ALONGSIDE_LOAD_ACCOUNTS"]).read()  # noqa: SIM115 - read once at import
)
_next_account = {role: itertools.cycle(names) for role, names in ACCOUNTS.items()}

SEARCHES = ["anxiety", "peer support", "debt advice", "walking group", "carers", "bereavement"]
POSTCODES = ["WY1 0AB", "WY1 0FE", "WY1 0HU", "WY1 0PB", "WY1 0PW"]


class _Forms(HTMLParser):
    """The hidden inputs of a page's forms (the CSRF token, a form's one-time key)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.hidden.setdefault(found["name"] or "", found.get("value") or "")


def hidden_fields(html: str) -> dict[str, str]:
    parser = _Forms()
    parser.feed(html)
    return parser.hidden


class Visitor(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.5)

    def get(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {name}")
                return ""
            return response.text or ""

    def post_form(self, path: str, data: dict[str, Any], name: str) -> bool:
        """Read the form at ``path``, post ``data`` with its hidden fields; True if it went
        through (a redirect, as every successful form here answers)."""
        page = self.get(path, f"{name} (form)")
        if not page:
            return False
        body = {**hidden_fields(page), **data}
        with self.client.post(
            path,
            data=body,
            name=name,
            headers={"Referer": self.host + path},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"{response.status_code} for {name}")
                return False
        return True


class Staff(Visitor):
    abstract = True
    role = ""

    def on_start(self) -> None:
        self.username = next(_next_account[self.role])
        ok = self.post_form(
            "/account/sign-in/",
            {"username": self.username, "password": PASSWORD},
            "sign in",
        )
        if not ok:
            raise RuntimeError(f"{self.username} could not sign in")


class KeyWorker(Staff):
    weight = 5
    role = "key_worker"
    people: list[str] = []

    def on_start(self) -> None:
        super().on_start()
        self.caseload()

    @task(4)
    def caseload(self) -> None:
        page = self.get("/care/caseload/", "caseload")
        people = sorted(set(re.findall(r'href="/care/person/(\d+)/episode/"', page)))
        if people:
            self.people = people

    @task(3)
    def record(self) -> None:
        if self.people:
            self.get(f"/people/{random.choice(self.people)}/", "person's record")

    @task(3)
    def episode(self) -> None:
        if self.people:
            self.get(f"/care/person/{random.choice(self.people)}/episode/", "episode of care")

    @task(3)
    def contacts(self) -> None:
        if self.people:
            self.get(f"/care/person/{random.choice(self.people)}/contacts/", "contacts")

    @task(1)
    def record_contact(self) -> None:
        if not self.people:
            return
        import datetime as dt

        now = dt.datetime.now()
        self.post_form(
            f"/care/person/{random.choice(self.people)}/contacts/new/",
            {
                "on-day": str(now.day),
                "on-month": str(now.month),
                "on-year": str(now.year),
                "at": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
                "mode": "face_to_face",
                "kind": "coaching",
                "outcome": "attended",
                "duration_minutes": "45",
                "note": "Talked about the week and the next step towards the goal.",
                "note_sharing": "care_team",
            },
            "record a contact",
        )


class Coordinator(Staff):
    weight = 2
    role = "coordinator"
    referrals: list[str] = []

    @task(3)
    def worklists(self) -> None:
        page = self.get("/referrals/", "referral worklists")
        found = sorted(set(re.findall(r'href="/referrals/(\d+)/"', page)))
        if found:
            self.referrals = found

    @task(2)
    def referral(self) -> None:
        if self.referrals:
            self.get(f"/referrals/{random.choice(self.referrals)}/", "a referral")


class TeamLead(Staff):
    weight = 1
    role = "team_lead"

    @task(2)
    def overview(self) -> None:
        self.get("/insights/", "insights overview")

    @task(1)
    def measure(self) -> None:
        self.get("/insights/waiting_second_contact/", "insights measure")


class Public(Visitor):
    weight = 6

    @task(6)
    def search(self) -> None:
        page = self.get(f"/directory/?q={random.choice(SEARCHES)}", "directory search")
        services = re.findall(r'href="/directory/services/([0-9a-f-]{36})/"', page)
        if services and random.random() < 0.5:
            self.get(f"/directory/services/{random.choice(services)}/", "a service")

    @task(3)
    def search_near(self) -> None:
        postcode = random.choice(POSTCODES).replace(" ", "+")
        self.get(f"/directory/?postcode={postcode}&distance=5", "directory search by postcode")

    @task(1)
    def refer_themselves(self) -> None:
        self.get("/refer-yourself/", "self-referral start")
        steps = {
            "about-you": {
                "given_name": "Robin",
                "family_name": "Loadtest",
                "date_of_birth-day": "3",
                "date_of_birth-month": "4",
                "date_of_birth-year": "1988",
            },
            "where-you-live": {
                "postcode": random.choice(POSTCODES),
                "address_line_1": "1 Test Row",
                "town": "Wyvernbridge",
            },
            "contact": {
                "contact_methods": "phone",
                "phone": "07700 900123",
                "email": "",
                "may_leave_message": "no",
            },
            "what-is-going-on": {"concerns": "Low for weeks.", "what_would_help": "Someone."},
            "your-safety": {"self_harm_thoughts": "no"},
            "communication": {"interpreter_needed": "no"},
            "gp": {"gp_practice": "", "nhs_number": ""},
            "consent": {"consent_to_contact": "yes"},
        }
        for step, answers in steps.items():
            if not self.post_form(f"/refer-yourself/{step}/", answers, "self-referral step"):
                return
        self.post_form("/refer-yourself/check/", {"website": ""}, "self-referral sent")
