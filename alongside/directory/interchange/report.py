"""What an import did, in words a directory manager understands.

Every message names the record the way the manager would look for it (its kind, its name and the
id the feed gave it, and what it belongs to) and says what happened and why: a **rejection**
(the record was not imported), a **warning** (it was imported, but something in it was left out
or is missing and worth chasing with the publisher) or a **fix** (something was put right on the
way in; fixes are counted by kind, with an example, rather than listed one by one).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from alongside.core.formats import number

#: Each entity as a directory manager calls it: (one, many).
NAMES: dict[str, tuple[str, str]] = {
    "taxonomy": ("Taxonomy", "Taxonomies"),
    "taxonomy_term": ("Taxonomy term", "Taxonomy terms"),
    "organization": ("Organisation", "Organisations"),
    "service": ("Service", "Services"),
    "location": ("Location", "Locations"),
    "address": ("Address", "Addresses"),
    "accessibility": ("Accessibility note", "Accessibility notes"),
    "service_at_location": ("Service's location", "Services' locations"),
    "contact": ("Contact", "Contacts"),
    "phone": ("Phone number", "Phone numbers"),
    "schedule": ("Opening times", "Opening times"),
    "language": ("Language", "Languages"),
    "cost_option": ("Cost", "Costs"),
    "service_area": ("Service area", "Service areas"),
    "attribute": ("Service's taxonomy term", "Services' taxonomy terms"),
}
#: Fields as a directory manager calls them.
FIELDS = {
    "url": "web address",
    "website": "website",
    "logo": "logo's web address",
    "uri": "web address",
    "term_uri": "web address",
    "schedule_link": "schedule's web address",
    "email": "email address",
    "assurer_email": "assurer's email address",
    "postal_code": "postcode",
    "address_1": "first line",
    "state_province": "county",
    "location_type": "location type",
    "address_type": "address type",
    "minimum_age": "minimum age",
    "maximum_age": "maximum age",
    "last_modified": "last modified date",
    "assured_date": "assured date",
    "organization_id": "organisation",
    "service_id": "service",
    "location_id": "location",
    "taxonomy_id": "taxonomy",
    "taxonomy_term_id": "taxonomy term",
    "parent_id": "parent term",
    "number": "number",
    "opens_at": "opening time",
    "closes_at": "closing time",
    "valid_from": "start date",
    "valid_to": "end date",
}


def field_name(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " "))


@dataclass
class Problem:
    """One message about one record: ``entity``, the feed's ``id``, the ``field`` concerned and
    the whole ``message`` (a sentence naming the record); ``source`` is where in the feed."""

    entity: str
    id: str
    field: str
    message: str
    source: str = ""
    #: A rejection that only follows from another (its service was rejected): counted, not listed.
    follows: str = ""

    def __str__(self) -> str:
        return f"{self.message} [{self.source}]" if self.source else self.message


@dataclass
class ImportReport:
    """What an import did: counts per entity, and each rejection and warning with its reason."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)
    #: What was put right, by (entity, field, what was done): how many, and the first example.
    fixes: dict[tuple[str, str, str], list] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    refused: str = ""

    def count(self, entity: str, outcome: str) -> int:
        """How many records of ``entity`` were ``created``, ``updated``, ``warned`` (kept with at
        least one warning) or ``rejected``."""
        return self.counts.get(entity, Counter())[outcome]

    def fixed(self, entity: str, field_name: str, what: str, example: str) -> None:
        entry = self.fixes.setdefault((entity, field_name, what), [0, example])
        entry[0] += 1

    def fix_count(self, entity: str, field_name: str) -> int:
        return sum(
            n for (e, f, _w), (n, _x) in self.fixes.items() if (e, f) == (entity, field_name)
        )

    def summary(self) -> list[str]:
        """One line per kind of record: new, updated, kept with warnings, rejected."""
        out = []
        for entity, (_one, many) in NAMES.items():
            c = self.counts.get(entity)
            if not c:
                continue
            out.append(
                f"{many}: {number(c['created'])} new, {number(c['updated'])} updated, "
                f"{number(c['warned'])} of them with warnings; {number(c['rejected'])} rejected"
            )
        return out

    def lines(self) -> list[str]:
        """The whole report as the command prints it."""
        if self.refused:
            return [f"Feed refused, nothing imported: {self.refused}"]
        out = self.summary()
        listed = [r for r in self.rejections if not r.follows]
        following = Counter(r.follows for r in self.rejections if r.follows)
        if listed:
            out += ["", "Not imported:"]
            for r in listed:
                more = following.get(r.message)
                also = f" (and {number(more)} records that belong to it)" if more else ""
                out.append(f"- {r}{also}")
        if self.warnings:
            out += ["", "Imported with warnings:"]
            out += [f"- {w}" for w in self.warnings]
        if self.fixes:
            out += ["", "Put right on the way in:"]
            for (entity, name, what), (count, example) in self.fixes.items():
                kind = NAMES[entity][1 if count > 1 else 0].lower()
                out.append(
                    f"- {number(count)} {kind}: {field_name(name)} {what} "
                    f"({'for example ' if count > 1 else ''}{example})"
                )
        if self.notes:
            out += ["", "Notes:"]
            out += [f"- {n}" for n in self.notes]
        return out
