"""Every write to a person's record: one function per business action, one transaction each."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alongside.people.models import Person
from alongside.places.queries import imd_decile_for


@transaction.atomic
def register_person(**fields: Any) -> Person:
    """Create a person's record after validating every field; derive the IMD decile.

    Raises ``ValidationError`` (with a message per field) and saves nothing when any field is
    wrong, including an NHS number that another person already has.
    """
    person = Person(**fields)
    person.full_clean()
    person.imd_decile = imd_decile_for(person.postcode)
    person.save()
    return person


@transaction.atomic
def update_person(*, person: Person, **changes: Any) -> Person:
    """Change details on a person's record, re-validating the whole record."""
    for name, value in changes.items():
        setattr(person, name, value)
    person.full_clean()
    person.imd_decile = imd_decile_for(person.postcode)
    person.save()
    return person
