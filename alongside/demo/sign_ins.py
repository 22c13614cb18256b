"""The demo's fixed sign-ins: one account per role, all with the same published password.

README, tests and home pages refer to ``DEMO_SIGN_INS``; ``alongside demo`` creates these accounts
and prints them with ``render_sign_ins`` at the end of every run.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table

from alongside.demo.data import LOCALITIES, TRUST, VCSE_ORGANISATIONS, cmht_name
from alongside.organisations.models import Role

DEMO_PASSWORD = "alongside-demo"

_FIRST_CMHT = cmht_name(LOCALITIES[0])
_FIRST_CMHT_SHORT = f"{LOCALITIES[0].name} CMHT"  # community mental health team
_CARE_PARTNERS = VCSE_ORGANISATIONS[0]


@dataclass(frozen=True)
class DemoSignIn:
    label: str  # the role as people say it
    username: str
    password: str
    who: str
    first_name: str
    last_name: str
    job_title: str
    role: str | None = None  # organisations.Role; None for the system administrator
    organisation: str | None = None
    team: str | None = None
    is_superuser: bool = False
    is_portal_person: bool = False  # signs in to the portal as the person who needs support


DEMO_SIGN_INS: tuple[DemoSignIn, ...] = (
    DemoSignIn(
        label="Key worker",
        username="practitioner",
        password=DEMO_PASSWORD,
        who=f"NHS key worker (mental health nurse), {_FIRST_CMHT_SHORT}",
        first_name="Priya",
        last_name="Sandhu",
        job_title="Community Mental Health Nurse",
        role=Role.PRACTITIONER,
        organisation=TRUST.name,
        team=_FIRST_CMHT,
    ),
    DemoSignIn(
        label="Care Partner",
        username="carepartner",
        password=DEMO_PASSWORD,
        who=f"VCSE Care Partner at {_CARE_PARTNERS.name}",
        first_name="Jess",
        last_name="Whitmore",
        job_title="Care Partner",
        role=Role.PRACTITIONER,
        organisation=_CARE_PARTNERS.name,
        team=_CARE_PARTNERS.teams[0].name,
    ),
    DemoSignIn(
        label="Triage coordinator",
        username="coordinator",
        password=DEMO_PASSWORD,
        who=f"Triage coordinator, {_FIRST_CMHT_SHORT}",
        first_name="Daniel",
        last_name="Reid",
        job_title="Triage Coordinator",
        role=Role.COORDINATOR,
        organisation=TRUST.name,
        team=_FIRST_CMHT,
    ),
    DemoSignIn(
        label="Supervisor",
        username="supervisor",
        password=DEMO_PASSWORD,
        who=f"Clinical supervisor, {_FIRST_CMHT_SHORT}",
        first_name="Helen",
        last_name="Marsh",
        job_title="Senior Practitioner",
        role=Role.SUPERVISOR,
        organisation=TRUST.name,
        team=_FIRST_CMHT,
    ),
    DemoSignIn(
        label="Team lead",
        username="teamlead",
        password=DEMO_PASSWORD,
        who=f"Team manager, {_FIRST_CMHT_SHORT}",
        first_name="Tom",
        last_name="Adeyemi",
        job_title="Team Manager",
        role=Role.TEAM_LEAD,
        organisation=TRUST.name,
        team=_FIRST_CMHT,
    ),
    DemoSignIn(
        label="Analyst",
        username="analyst",
        password=DEMO_PASSWORD,
        who="Analyst in the trust's Performance and Intelligence team",
        first_name="Grace",
        last_name="Liu",
        job_title="Senior Analyst",
        role=Role.ANALYST,
        organisation=TRUST.name,
        team="Performance and Intelligence",
    ),
    DemoSignIn(
        label="Organisation administrator",
        username="orgadmin",
        password=DEMO_PASSWORD,
        who="Administrator of the NHS trust's teams and staff",
        first_name="Mark",
        last_name="Ellison",
        job_title="Clinical Systems Manager",
        role=Role.ORG_ADMIN,
        organisation=TRUST.name,
        team="Clinical Systems",
    ),
    DemoSignIn(
        label="Privacy lead (Caldicott guardian)",
        username="privacylead",
        password=DEMO_PASSWORD,
        who="Reviews break-glass access and the audit for the NHS trust",
        first_name="Nadia",
        last_name="Rahman",
        job_title="Head of Information Governance",
        role=Role.PRIVACY_LEAD,
        organisation=TRUST.name,
        team="Information Governance",
    ),
    DemoSignIn(
        label="Person using the portal",
        username="person",
        password=DEMO_PASSWORD,
        who="A person who needs support: their own record, sharing choices and who looked",
        first_name="Sam",
        last_name="Carter",
        job_title="",
        is_portal_person=True,
    ),
    DemoSignIn(
        label="System administrator",
        username="sysadmin",
        password=DEMO_PASSWORD,
        who="System administrator (superuser) for the whole platform",
        first_name="Alex",
        last_name="Morgan",
        job_title="System Administrator",
        is_superuser=True,
    ),
)


def demo_url() -> str:
    """Where ``make demo`` serves the app (``alongside serve`` reads PORT the same way)."""
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"


def render_sign_ins(url: str | None = None, width: int = 120) -> str:
    """The sign-ins as a plain-text table with a line saying where to use them."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Role", no_wrap=True)
    table.add_column("Username", no_wrap=True)
    table.add_column("Password", no_wrap=True)
    table.add_column("Who")
    for sign_in in DEMO_SIGN_INS:
        table.add_row(sign_in.label, sign_in.username, sign_in.password, sign_in.who)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    console.print("Demo sign-ins (synthetic data only):")
    console.print(table)
    console.print(f"Sign in at {url or demo_url()} with any of these.")
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())
