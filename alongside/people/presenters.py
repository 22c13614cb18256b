"""What pages show about a person's details."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from alongside.core import formats
from alongside.people.models import Person


class PersonPresenter:
    def __init__(self, person: Person) -> None:
        self.person = person

    @property
    def name(self) -> str:
        p = self.person
        return f"{p.full_name} ({p.preferred_name})" if p.preferred_name else p.full_name

    @property
    def href(self) -> str:
        return reverse("people:record", kwargs={"person_id": self.person.pk})

    @property
    def born(self) -> str:
        return formats.date(self.person.date_of_birth)

    @property
    def nhs_number(self) -> str:
        return formats.nhs_number(self.person.nhs_number)

    def summary_rows(self) -> list[dict[str, Any]]:
        p = self.person
        rows = [
            ("Name", self.name),
            ("Date of birth", self.born),
            ("NHS number", self.nhs_number),
            ("Gender", p.get_stated_gender_display()),
            ("Ethnic background", p.get_ethnicity_display()),
            ("Address", p.address or "Not known"),
            ("Postcode", p.postcode or "Not known"),
            ("Phone", p.phone or "Not known"),
            ("Email", p.email or "Not known"),
            (
                "Preferred language",
                p.preferred_language + (" (needs an interpreter)" if p.interpreter_needed else ""),
            ),
            ("Communication needs", p.communication_needs or "None recorded"),
            ("Access needs", p.access_needs or "None recorded"),
            (
                "Carer",
                ", ".join(x for x in (p.carer_name, p.carer_relationship, p.carer_phone) if x)
                or "None recorded",
            ),
            (
                "Registered GP practice",
                p.registered_gp_practice.name if p.registered_gp_practice else "Not known",
            ),
        ]
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]
