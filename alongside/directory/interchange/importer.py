"""Import an Open Referral UK feed: a JSON file (or a folder of them) or a folder of CSV tables.

The feed is first read into one table per entity (nested JSON objects are flattened, each child
keeping its parent's id; the ORUK API's paged envelopes, ``contents`` or ``content``, are opened
and a page the envelope promises but the folder lacks is named), then checked and written in
dependency order, in bulk, in one transaction. Records are matched by id, so importing a feed
again updates the same rows: an id that is not a UUID (``123``) is turned into one made from it,
the same every time; a phone, schedule or other child given no id gets one made from its parent's.

Each record is kept, kept with warnings, or rejected, and the report says which in words a
directory manager understands (``report.py``):

* what the UK profile requires but councils' feeds leave out while the record is still usable is
  *optional in practice* (``OPTIONAL_IN_PRACTICE``): an organisation or term without a
  description, a service without a status (listed as active, with a warning), a location without
  a type, an address without a county, country or type; the record is kept;
* what is written untidily but plainly is put right (``normalise.py``): web addresses without
  ``https://``, emails with ``mailto:``, phone numbers in any format, dates in several, HTML in
  descriptions, swapped latitude and longitude, postcodes in lower case; a location with no
  usable coordinates is placed at its postcode when the directory knows it;
* what cannot be read in a field that is not needed is left out with a warning;
* a record that cannot be listed (no name, no id, an organisation that is not there, a postcode
  that is not a postcode on an address) is rejected with its reason, and the records that belong
  to it with it; the rest of the feed still imports.

A feed that cannot be read at all (invalid JSON, a CSV table without its required columns) is
refused and nothing is written. Writes are ``INSERT … ON CONFLICT DO UPDATE`` in batches, a few
statements per entity whatever the feed's size; a field the feed does not give keeps the value
it had, and our own fields (``how_to_refer``, self-referral, the review date, localities) are
never touched. Service history is kept by its ``pghistory`` triggers, one event per service
written, under a context naming the import.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction

from alongside.core.validators import normalise_postcode
from alongside.directory import models as m
from alongside.directory.interchange import normalise, schema
from alongside.directory.interchange.report import NAMES, ImportReport, Problem, field_name

__all__ = ["FeedRefused", "ImportReport", "Problem", "import_feed", "read_feed"]

ORDER = [
    "taxonomy",
    "taxonomy_term",
    "organization",
    "service",
    "location",
    "address",
    "accessibility",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "language",
    "cost_option",
    "service_area",
    "attribute",
]
MODELS: dict[str, type[models.Model]] = {
    "taxonomy": m.Taxonomy,
    "taxonomy_term": m.TaxonomyTerm,
    "organization": m.DirectoryOrganization,
    "service": m.Service,
    "location": m.Location,
    "address": m.Address,
    "accessibility": m.Accessibility,
    "service_at_location": m.ServiceAtLocation,
    "contact": m.Contact,
    "phone": m.Phone,
    "schedule": m.Schedule,
    "language": m.Language,
    "cost_option": m.CostOption,
    "service_area": m.ServiceArea,
    "attribute": m.ServiceTerm,
}
CSV_FILES = {
    "service": ["services.csv", "service.csv"],
    "organization": ["organizations.csv", "organization.csv"],
    "location": ["locations.csv", "location.csv"],
    "address": ["addresses.csv", "address.csv"],
    "service_at_location": ["service_at_locations.csv", "service_at_location.csv"],
    "phone": ["phones.csv", "phone.csv"],
    "contact": ["contacts.csv", "contact.csv"],
    "schedule": ["schedules.csv", "schedule.csv"],
    "language": ["languages.csv", "language.csv"],
    "taxonomy": ["taxonomies.csv", "taxonomy.csv"],
    "taxonomy_term": ["taxonomy_terms.csv", "taxonomy_term.csv"],
    "attribute": ["attributes.csv", "attribute.csv"],
    "cost_option": ["cost_options.csv", "cost_option.csv"],
    "service_area": ["service_areas.csv", "service_area.csv"],
    "accessibility": ["accessibility.csv", "accessibilities.csv"],
}
# Which parent each reference names, and whether a record without it is useless.
REFERENCES: dict[str, dict[str, tuple[str, bool]]] = {
    "taxonomy_term": {"taxonomy_id": ("taxonomy", False)},  # parent_id: see link_parents
    "service": {"organization_id": ("organization", True)},
    "location": {"organization_id": ("organization", False)},
    "address": {"location_id": ("location", True)},
    "accessibility": {"location_id": ("location", True)},
    "service_at_location": {"service_id": ("service", True), "location_id": ("location", True)},
    "contact": {
        "organization_id": ("organization", True),
        "service_id": ("service", True),
        "service_at_location_id": ("service_at_location", True),
        "location_id": ("location", True),
    },
    "phone": {
        "organization_id": ("organization", True),
        "service_id": ("service", True),
        "location_id": ("location", True),
        "contact_id": ("contact", True),
        "service_at_location_id": ("service_at_location", True),
    },
    "schedule": {
        "service_id": ("service", True),
        "location_id": ("location", True),
        "service_at_location_id": ("service_at_location", True),
    },
    "language": {
        "service_id": ("service", True),
        "location_id": ("location", True),
        "phone_id": ("phone", True),
    },
    "cost_option": {"service_id": ("service", True)},
    "service_area": {"service_id": ("service", True)},
    "attribute": {"taxonomy_term_id": ("taxonomy_term", True)},
}
# Records that must be linked to one of these parents to mean anything.
NEEDS_PARENT = {
    "cost_option": ["service_id"],
    "service_area": ["service_id"],
    "service_at_location": ["service_id", "location_id"],
}
RENAMES = {"service": {"fees": "fees_description"}}
NOT_KEPT_CSV = [
    "funding.csv",
    "fundings.csv",
    "programs.csv",
    "program.csv",
    "required_documents.csv",
    "required_document.csv",
    "organization_identifiers.csv",
    "organization_identifier.csv",
    "meta_table_descriptions.csv",
    "metadata.csv",
]
#: Records that stand on their own in a feed: one without an id cannot be matched next time.
TOP_LEVEL = {"taxonomy", "taxonomy_term", "organization", "service", "location"}
#: Fields the UK profile requires that councils' feeds leave out while the record stays usable.
OPTIONAL_IN_PRACTICE = {
    ("organization", "description"),
    ("taxonomy", "description"),
    ("taxonomy_term", "description"),
    ("service", "status"),
    ("location", "location_type"),
    ("address", "city"),
    ("address", "state_province"),
    ("address", "country"),
    ("address", "address_type"),
}
#: Ours, beyond the standard: never set from a feed.
OURS = {
    "organisation",
    "locality",
    "search_vector",
    "accepts_self_referral",
    "how_to_refer",
    "last_reviewed_on",
}
#: The names a record is known by, in the order they are tried.
NAMED_BY = ("name", "number", "address_1", "option", "description")
STATUSES = {s.replace(" ", ""): s for s in m.ServiceStatus.values}
COUNTRIES = {"uk": "GB", "unitedkingdom": "GB", "greatbritain": "GB", "england": "GB"}
COUNTRIES |= {"wales": "GB", "scotland": "GB", "northernireland": "GB", "gb": "GB"}
WEEKDAYS = {
    d: code
    for code, names in (
        ("MO", ("monday", "mon", "1")),
        ("TU", ("tuesday", "tue", "tues", "2")),
        ("WE", ("wednesday", "wed", "3")),
        ("TH", ("thursday", "thu", "thur", "thurs", "4")),
        ("FR", ("friday", "fri", "5")),
        ("SA", ("saturday", "sat", "6")),
        ("SU", ("sunday", "sun", "7")),
    )
    for d in names
}
BATCH = 1000
#: Ids made for a feed's records: from an id that is not a UUID, or from a child's parent.
NAMESPACE = uuid.UUID("0b7e1d3c-5a29-4c63-9f0e-2d6a1f4c8b57")


class FeedRefused(Exception):
    """The feed cannot be read at all; nothing was written."""


class Rejected(Exception):
    """A record cannot be kept: ``reason`` says why, as the end of a sentence about it."""

    def __init__(self, field_name: str, reason: str, follows: str = "") -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason
        self.follows = follows


Record = dict[str, Any]
Tables = dict[str, dict[str, Record]]


def key(entity: str, raw: Any) -> str:
    """The UUID a feed's id stands for: itself when it is one, else one made from it."""
    text = str(raw).strip()
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return str(uuid.uuid5(NAMESPACE, f"{entity}:{text}"))


def _is_uuid(raw: str) -> bool:
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


# --- reading -----------------------------------------------------------------------------------


class _Reader:
    """Reads a feed into one table of records per entity, noting what the report should say."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.tables: Tables = defaultdict(dict)
        self.positions: Counter = Counter()
        self.made_ids: Counter = Counter()
        self.mapped_ids: Counter = Counter()
        self.repeats = 0
        self.stand_ins = 0
        self.pages: list[tuple[str, int | None, int | None]] = []

    def raw_id(self, data: Record) -> str:
        """The id a record is referred to by; for one that has none, a stand-in kept on it so
        that its children name it (and are rejected with it)."""
        given = data.get("id")
        if given not in (None, ""):
            return str(given).strip()
        if "_no_id" not in data:
            self.stand_ins += 1
            data["_no_id"] = f"(no id {self.stand_ins})"
        return data["_no_id"]

    def add(self, entity: str, data: Record, source: str) -> str:
        """Add one record to its table; return the id it is kept under."""
        if entity in TOP_LEVEL:
            self.raw_id(data)
        record = {k: v for k, v in data.items() if v is not None and v != "" and v != []}
        given = str(record.get("id", "")).strip()
        if given:
            record["_raw_id"] = given
            if not _is_uuid(given):
                self.mapped_ids[entity] += 1
        elif entity in TOP_LEVEL:
            given = record["_no_id"]
            record["_raw_id"] = ""
        else:
            parents = tuple(
                sorted(
                    (ref, str(record[ref]))
                    for ref in (*REFERENCES.get(entity, {}), "link_id")
                    if ref in record
                )
            )
            place = self.positions[(entity, parents)]
            self.positions[(entity, parents)] += 1
            given = str(uuid.uuid5(NAMESPACE, f"{entity}|{parents}|{place}"))
            record["_raw_id"] = ""
            self.made_ids[entity] += 1
        record["id"] = key(entity, given)
        table = self.tables[entity]
        first = table.get(record["id"])
        if first is None:
            record["_source"] = source
            table[record["id"]] = record
            return record["id"]
        # The same record again: nested in several places, or on two pages of a changing feed.
        differ = sorted(
            k
            for k, v in record.items()
            if not k.startswith("_")
            and not isinstance(v, dict | list)
            and k in first
            and str(first[k]) != str(v)
        )
        if differ:
            self.report.warnings.append(
                Problem(
                    entity,
                    first["_raw_id"],
                    differ[0],
                    f"{_own_label(entity, first)} is in the feed more than once with a different "
                    f"{', '.join(field_name(d) for d in differ)} (also at {source}); the first "
                    "was imported",
                    first["_source"],
                )
            )
        elif entity == "service":  # organisations are nested in each of their services
            self.repeats += 1
        for k, v in record.items():
            first.setdefault(k, v)
        return record["id"]

    def location(self, data: Record, source: str) -> None:
        self.raw_id(data)
        data = dict(data)
        for old, kind in (("physical_addresses", "physical"), ("postal_addresses", "postal")):
            for address in _children(data, old):  # Open Referral UK 1.0
                data.setdefault("addresses", []).append({"address_type": kind, **address})
        self.add("location", data, source)
        lid = self.raw_id(data)
        for name, entity in (
            ("addresses", "address"),
            ("accessibility", "accessibility"),
            ("accessibility_for_disabilities", "accessibility"),
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("regular_schedules", "schedule"),
            ("languages", "language"),
            ("contacts", "contact"),
        ):
            for child in _children(data, name):
                self.child(entity, {"location_id": lid, **child}, source)

    def child(self, entity: str, data: Record, source: str) -> None:
        """A record nested in another, in the 3.0 shape or the names of Open Referral UK 1.0."""
        data = dict(data)
        if entity == "schedule" and "weekday" in data:  # a 1.0 regular schedule
            day = WEEKDAYS.get(str(data.pop("weekday")).strip().lower())
            data.setdefault("freq", "WEEKLY")
            if day:
                data.setdefault("byday", day)
        if entity == "language" and "language" in data:
            data.setdefault("name", data.pop("language"))
        if entity == "service_area" and "service_area" in data:
            data.setdefault("name", data.pop("service_area"))
        if entity == "accessibility" and "accessibility" in data:
            data.setdefault("description", data.pop("accessibility"))
        kept_as = self.add(entity, data, source)
        if entity == "contact":
            for phone in _children(data, "phones"):
                self.add("phone", {"contact_id": kept_as, **phone}, source)

    def term(self, data: Record, source: str) -> None:
        self.raw_id(data)
        if isinstance(data.get("taxonomy_detail"), dict):
            self.add("taxonomy", data["taxonomy_detail"], source)
        self.add("taxonomy_term", data, source)

    def service(self, data: Record, source: str, org_id: Any = None) -> None:
        self.raw_id(data)
        row = dict(data)
        if isinstance(data.get("organization"), dict):
            self.organization(data["organization"], source, nested=True)
            row.setdefault("organization_id", self.raw_id(data["organization"]))
        if org_id and not row.get("organization_id"):
            row["organization_id"] = org_id
        for eligibility in _children(data, "eligibilitys"):  # Open Referral UK 1.0
            for age in ("minimum_age", "maximum_age"):
                if eligibility.get(age) not in (None, ""):
                    row.setdefault(age, eligibility[age])
        self.add("service", row, source)
        sid = self.raw_id(data)
        for name, entity in (
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("regular_schedules", "schedule"),
            ("languages", "language"),
            ("cost_options", "cost_option"),
            ("service_areas", "service_area"),
            ("contacts", "contact"),
        ):
            for child in _children(data, name):
                self.child(entity, {"service_id": sid, **child}, source)
        for child in _children(data, "attributes"):
            attr = {"link_id": sid, "link_entity": "service", **child}
            if isinstance(child.get("taxonomy_term"), dict):
                self.term(child["taxonomy_term"], source)
                attr.setdefault("taxonomy_term_id", self.raw_id(child["taxonomy_term"]))
            self.add("attribute", attr, source)
        for child in _children(data, "service_taxonomys"):  # Open Referral UK 1.0
            term = child.get("taxonomy")
            attr = {"id": child.get("id"), "link_id": sid, "link_entity": "service"}
            if isinstance(term, dict):
                self.term({"parent_id": term.get("parent"), **term}, source)
                attr["taxonomy_term_id"] = self.raw_id(term)
            self.add("attribute", attr, source)
        for child in _children(data, "service_at_locations"):
            self.service_at_location(child, source, service_id=sid)

    def service_at_location(self, data: Record, source: str, service_id: Any = None) -> None:
        self.raw_id(data)
        row = dict(data)
        if isinstance(data.get("location"), dict):
            self.location(data["location"], source)
            row.setdefault("location_id", self.raw_id(data["location"]))
        if isinstance(data.get("service"), dict):
            self.service(data["service"], source)
            row.setdefault("service_id", self.raw_id(data["service"]))
        if service_id:
            row.setdefault("service_id", service_id)
        kept_as = self.add("service_at_location", row, source)
        for name, entity in (
            ("phones", "phone"),
            ("schedules", "schedule"),
            ("contacts", "contact"),
        ):
            for child in _children(data, name):
                self.child(entity, {"service_at_location_id": kept_as, **child}, source)

    def organization(self, data: Record, source: str, nested: bool = False) -> None:
        self.add("organization", data, source)
        if nested:
            return
        oid = self.raw_id(data)
        for name, entity in (("phones", "phone"), ("contacts", "contact")):
            for child in _children(data, name):
                self.child(entity, {"organization_id": oid, **child}, source)
        for child in _children(data, "services"):
            self.service(child, source, org_id=oid)
        for child in _children(data, "locations"):
            self.location({"organization_id": oid, **child}, source)

    def taxonomy(self, data: Record, source: str) -> None:
        self.add("taxonomy", data, source)
        for child in _children(data, "taxonomy_terms"):
            self.term({"taxonomy_id": self.raw_id(data), **child}, source)

    def read_json(self, path: Path) -> None:
        try:
            payload = json.loads(path.read_text(encoding="utf-8-sig"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise FeedRefused(f"{path.name}: not valid JSON ({error})") from error
        pages = (
            payload
            if isinstance(payload, list)
            and payload
            and all(isinstance(p, dict) and _page_items(p) is not None for p in payload)
            else [payload]
        )
        for number, page in enumerate(pages, start=1):
            items = _page_items(page) if isinstance(page, dict) else None
            if items is not None:
                total = page.get("total_pages", page.get("totalPages"))
                at = page.get("page_number", page.get("number"))
                self.pages.append(
                    (
                        path.name,
                        at if isinstance(at, int) else None,
                        total if isinstance(total, int) else None,
                    )
                )
            elif isinstance(page, list):
                items = page
            elif isinstance(page, dict):
                items = [page]
            else:
                raise FeedRefused(
                    f"{path.name}: expected an object, a list or a page with contents"
                )
            where = path.name if len(pages) == 1 else f"{path.name} page {number}"
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise FeedRefused(f"{where}: item {index + 1} is not an object")
                entity = _shape(item, path.stem)
                getattr(self, entity)(item, f"{where} item {index + 1}")

    def read_csv(self, folder: Path) -> None:
        for entity in ORDER:
            needed = [
                "id",
                *[
                    f
                    for f in schema.required_fields(entity)
                    if not f.endswith("_id") and (entity, f) not in OPTIONAL_IN_PRACTICE
                ],
            ]
            for name in CSV_FILES[entity]:
                path = folder / name
                if not path.exists():
                    continue
                try:
                    text = path.read_text(encoding="utf-8-sig")
                except UnicodeDecodeError as error:
                    raise FeedRefused(f"{name}: not UTF-8 text ({error})") from error
                # Some feeds end lines with \r\r\n, which csv would count as two lines.
                text = text.replace("\r\r\n", "\n")
                reader = csv.DictReader(io.StringIO(text, newline=""))
                try:
                    missing = [c for c in needed if c not in (reader.fieldnames or [])]
                except csv.Error as error:
                    raise FeedRefused(f"{name}: not a readable CSV table ({error})") from error
                if missing:
                    raise FeedRefused(f"{name}: missing required columns {', '.join(missing)}")
                while True:
                    line = reader.line_num + 1
                    try:
                        row = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as error:
                        raise FeedRefused(f"{name} line {line}: {error}") from error
                    row = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
                    self.add(entity, row, f"{name} line {line}")
        unread = [n for n in NOT_KEPT_CSV if (folder / n).exists()]
        if unread:
            self.report.notes.append(f"Not kept by this directory: {', '.join(unread)}.")

    def finish(self) -> None:
        """Notes on the feed as a whole: missing pages, repeats, ids made up."""
        notes = self.report.notes
        totals = [t for _name, _at, t in self.pages if t]
        numbers = {at for _name, at, _t in self.pages if at is not None}
        if totals and numbers:
            base = 0 if 0 in numbers else 1
            missing = sorted(set(range(base, max(totals) + base)) - numbers)
            if missing:
                listed = ", ".join(str(n) for n in missing[:10]) + (
                    "…" if len(missing) > 10 else ""
                )
                notes.append(
                    f"The feed says it has {max(totals)} pages, but page"
                    f"{'s' if len(missing) > 1 else ''} {listed} "
                    f"{'are' if len(missing) > 1 else 'is'} not among the files imported: the "
                    "records on them are not in this import. Save every page and import them "
                    "together."
                )
        if self.repeats:
            notes.append(
                f"{self.repeats} records were in the feed more than once, the same each time "
                "(as when a feed changes while its pages are read); each was imported once."
            )
        for entity, count in self.mapped_ids.items():
            notes.append(
                f"{count} {NAMES[entity][1 if count > 1 else 0].lower()} had ids that are not "
                "UUIDs (like 123); each was given a UUID made from its id, the same on every "
                "import, and is named by the feed's own id in this report."
            )
        for entity, count in self.made_ids.items():
            notes.append(
                f"{count} {NAMES[entity][1 if count > 1 else 0].lower()} had no id; each was "
                "given one made from what it belongs to, so importing the feed again updates it."
            )


def _page_items(page: Record) -> list | None:
    for name in ("contents", "content"):
        if isinstance(page.get(name), list):
            return page[name]
    return None


def _children(parent: Record, name: str) -> list[Record]:
    value = parent.get(name) or []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _shape(data: Record, hint: str) -> str:
    """Which entity a JSON object is: from telling fields, the file's name, then other fields."""
    if "location" in data and ("service" in data or "service_id" in data):
        return "service_at_location"
    for prefix, name in (
        ("service_at_location", "service_at_location"),
        ("service", "service"),
        ("organization", "organization"),
        ("organisation", "organization"),
        ("taxonomy_term", "term"),
        ("taxonom", "taxonomy"),  # taxonomy, taxonomies
    ):
        if hint.startswith(prefix):
            return name
    if "status" in data or "service_at_locations" in data or "organization" in data:
        return "service"
    if "services" in data or "website" in data:
        return "organization"
    if "taxonomy_terms" in data or "version" in data:
        return "taxonomy"
    if "term" in data or "parent_id" in data or "taxonomy_id" in data:
        return "term"
    raise FeedRefused(f"{hint}: cannot tell which Open Referral entity this is")


def read_feed(path: Path, report: ImportReport) -> Tables:
    """The feed at ``path`` as one table of records per entity."""
    reader = _Reader(report)
    if path.is_dir():
        if any(path.glob("*.csv")):
            reader.read_csv(path)
        else:
            files = sorted(path.glob("*.json"))
            if not files:
                raise FeedRefused(f"{path}: no .csv or .json files")
            for file in files:
                reader.read_json(file)
    elif path.exists():
        reader.read_json(path)
    else:
        raise FeedRefused(f"{path}: no such file or folder")
    reader.finish()
    return reader.tables


# --- naming records ----------------------------------------------------------------------------


def _name(record: Record) -> str:
    for name in NAMED_BY:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            plain = normalise.text(value)[0].replace("\n", " ")
            return normalise.shorten(plain, 60)
    return ""


def _own_label(entity: str, record: Record) -> str:
    """``Service 'Talk Together' (id 123)``: the record as its kind, name and the feed's id."""
    label = NAMES[entity][0]
    name = _name(record)
    if name:
        label += f" '{name}'"
    if record.get("_raw_id"):
        label += f" (id {record['_raw_id']})"
    return label


# --- checking and writing ----------------------------------------------------------------------


class _Importer:
    """Checks each entity's records against what is already kept, then writes them in bulk."""

    def __init__(self, tables: Tables, report: ImportReport) -> None:
        self.tables = tables
        self.report = report
        self.existing: dict[str, set[str]] = {}
        self.kept: dict[str, set[str]] = defaultdict(set)
        self.refused: dict[str, dict[str, str]] = defaultdict(dict)  # id -> its message
        self.warned_ids: dict[str, set[str]] = defaultdict(set)
        self.pairs: dict[tuple[str, str], str] = {}
        self.entity = ""
        self.record: Record = {}
        self.warned = False
        self.with_address = {
            key("location", a["location_id"])
            for a in tables.get("address", {}).values()
            if a.get("location_id")
        }

    # naming

    def describe(self, entity: str, record: Record) -> str:
        """The record as a directory manager would look for it, with what it belongs to."""
        if entity == "service_at_location":
            service = self.parent("service", record.get("service_id"))
            place = self.parent("location", record.get("location_id"))
            return f"{service} at {mid(place)}" if service and place else _own_label(entity, record)
        if entity == "attribute":
            term = self.parent("taxonomy_term", record.get("taxonomy_term_id"))
            raw = record.get("link_id") or record.get("service_id")
            service = self.tables.get("service", {}).get(key("service", raw)) if raw else None
            if term and service is not None:
                return f"The {mid(term)} of {mid(_own_label('service', service))}"
            return _own_label(entity, record) + (f" linking {mid(term)}" if term else "")
        label = _own_label(entity, record)
        if entity in TOP_LEVEL:
            return label
        for ref, (target, _fatal) in REFERENCES.get(entity, {}).items():
            parent = self.parent(target, record.get(ref))
            if parent:
                return f"{label} of {mid(parent)}"
        return label

    def parent(self, target: str, raw: Any) -> str:
        if raw in (None, ""):
            return ""
        record = self.tables.get(target, {}).get(key(target, raw))
        if record is not None:
            return _own_label(target, record)
        return f"{NAMES[target][0]} (id {raw})"

    # messages

    def warn(self, field_name: str, reason: str) -> None:
        self.warned = True
        self.report.warnings.append(
            Problem(
                self.entity,
                self.record.get("_raw_id", ""),
                field_name,
                f"{self.describe(self.entity, self.record)} {reason}",
                self.record.get("_source", ""),
            )
        )

    def fix(self, field_name: str, what: str, example: Any = None) -> None:
        """Count one thing put right; ``example`` is the value as the feed gave it."""
        where = self.short()
        if example is None or example == "":
            shown = where
        else:
            text = example if isinstance(example, str) else str(example)
            shown = f"'{normalise.shorten(text, 60)}' in {where}"
        self.report.fixed(self.entity, field_name, what, shown)

    def short(self) -> str:
        return (
            _own_label(self.entity, self.record)
            if self.entity in TOP_LEVEL
            else (self.describe(self.entity, self.record))
        )

    def reject(self, entity: str, record: Record, rejected: Rejected) -> None:
        message = f"{self.describe(entity, record)} {rejected.reason}"
        self.refused[entity][record["id"]] = message
        self.report.rejections.append(
            Problem(
                entity,
                record.get("_raw_id", ""),
                rejected.field,
                message,
                record.get("_source", ""),
                follows=rejected.follows,
            )
        )
        self.report.counts[entity]["rejected"] += 1

    # what is there already

    def preload(self) -> None:
        """Which of the ids the feed holds or names are in the directory: a query per entity."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for entity, table in self.tables.items():
            wanted[entity] |= set(table)
            for record in table.values():
                for ref, (target, _fatal) in REFERENCES.get(entity, {}).items():
                    if record.get(ref) not in (None, ""):
                        wanted[target].add(key(target, record[ref]))
                if entity == "taxonomy_term" and record.get("parent_id"):
                    wanted["taxonomy_term"].add(key("taxonomy_term", record["parent_id"]))
                if entity == "attribute" and record.get("link_id"):
                    wanted["service"].add(key("service", record["link_id"]))
        for entity in ORDER:
            ids = sorted(wanted.get(entity, ()))
            found: set[str] = set()
            for start in range(0, len(ids), 10000):
                found |= {
                    str(pk)
                    for pk in MODELS[entity]
                    .objects.filter(pk__in=ids[start : start + 10000])
                    .values_list("pk", flat=True)
                }
            self.existing[entity] = found

    def exists(self, entity: str, value: str) -> bool:
        return value in self.kept[entity] or value in self.existing[entity]

    # converting fields

    def convert(self, model: type[models.Model], name: str, value: Any, required: bool) -> Any:
        """``value`` as ``model.name`` stores it, put right where it can be; a value that cannot
        be read is left out with a warning (or rejects the record when the field is required)."""
        f = model._meta.get_field(name)
        note = ""
        try:
            if isinstance(f, models.DateTimeField):
                out, note = normalise.datetime(value)
            elif isinstance(f, models.DateField):
                out, note = normalise.date(value)
            elif isinstance(f, models.TimeField):
                out, note = normalise.time(value)
            elif isinstance(f, models.FloatField):
                out = _number(value, float)
            elif isinstance(f, models.DecimalField):
                out = _number(value, Decimal)
            elif isinstance(f, models.PositiveIntegerField | models.PositiveSmallIntegerField):
                number = _number(value, float)
                if number < 0 or number != int(number):
                    raise normalise.Unusable("is not a whole number of 0 or more")
                out = int(number)
            else:
                text = value if isinstance(value, str) else str(value)
                if isinstance(f, models.EmailField):
                    out, note = normalise.email(text)
                elif isinstance(f, models.URLField):
                    out, note = normalise.url(text)
                else:
                    out, note = normalise.text(text.strip().strip('"'))
                limit = getattr(f, "max_length", None)
                if limit and len(out) > limit:
                    self.warn(
                        name,
                        f"has a {field_name(name)} of {len(out):,} characters, more than the "
                        f"{limit} the directory keeps; it was cut short",
                    )
                    out = normalise.shorten(out, limit)
                if required and not out:
                    raise normalise.Unusable("is empty")
        except (normalise.Unusable, ValueError, TypeError, InvalidOperation) as error:
            reason = error.reason if isinstance(error, normalise.Unusable) else "cannot be read"
            shown = normalise.shorten(str(value), 80)
            if required:
                raise Rejected(
                    name,
                    f"has the {field_name(name)} '{shown}', which {reason}; it was not imported",
                ) from None
            self.warn(
                name, f"has the {field_name(name)} '{shown}', which {reason}; it was left out"
            )
            return None
        if note:
            self.fix(name, note, value)
        return out

    def values(self, entity: str, record: Record) -> dict[str, Any]:
        model = MODELS[entity]
        renames = RENAMES.get(entity, {})
        names = {f.name for f in model._meta.concrete_fields if not f.generated} - {"id"} - OURS
        required = set(schema.required_fields(entity)) - {
            f for (e, f) in OPTIONAL_IN_PRACTICE if e == entity
        }
        out: dict[str, Any] = {}
        for name, value in record.items():
            name = renames.get(name, name)
            if name.startswith("_") or isinstance(value, dict | list):
                continue
            if name.endswith("_id") and name[:-3] in names:
                out[name] = value  # references are checked separately
            elif name in names:
                converted = self.convert(model, name, value, name in required)
                if converted is not None:
                    out[name] = converted
        return out

    # checking

    def check(self, entity: str, record: Record, values: dict[str, Any]) -> None:
        """Raise ``Rejected`` for a record that cannot be kept; warn and mend what can be."""
        if record.get("_no_id"):
            raise Rejected(
                "id", "has no id, so a later import could not update it; it was not imported"
            )
        renames = RENAMES.get(entity, {})
        for name in schema.required_fields(entity):
            if name == "id" or name.endswith("_id") or (entity, name) in OPTIONAL_IN_PRACTICE:
                continue
            given = [k for k, v in renames.items() if v == name] + [name]
            if all(record.get(k) in (None, "") for k in given):
                raise Rejected(
                    name, f"has no {field_name(name)}, so it cannot be listed; it was not imported"
                )
        for ref, (target, fatal) in REFERENCES.get(entity, {}).items():
            raw = values.get(ref)
            if raw in (None, ""):
                continue
            value = key(target, raw)
            if self.exists(target, value):
                values[ref] = value
                continue
            one = NAMES[target][0].lower()
            if value in self.refused[target]:
                why = self.refused[target][value]
                if fatal:
                    raise Rejected(
                        ref,
                        f"belongs to {mid(self.parent(target, raw))}, which was not "
                        "imported; so neither was this",
                        follows=why,
                    )
                self.warn(
                    ref,
                    f"belongs to {mid(self.parent(target, raw))}, which was not "
                    "imported; it was imported without that link",
                )
            elif fatal:
                raise Rejected(
                    ref,
                    f"belongs to {one} id {raw}, which is not in the feed or the directory; it "
                    "was not imported",
                )
            else:
                self.warn(
                    ref,
                    f"names {one} id {raw}, which is not in the feed or the directory; it was "
                    "imported without that link",
                )
            values.pop(ref)
        for ref in NEEDS_PARENT.get(entity, []):
            if not values.get(ref):
                raise Rejected(
                    ref,
                    f"names no {field_name(ref)}, so it belongs to nothing; it was not imported",
                )
        getattr(self, f"check_{entity}", lambda v: None)(values)

    def check_organization(self, values: dict[str, Any]) -> None:
        if not values.get("description"):
            self.warn("description", "has no description; it was imported without one")

    def check_taxonomy(self, values: dict[str, Any]) -> None:
        if not values.get("description"):
            self.fix("description", "not given, so imported without one")

    check_taxonomy_term = check_taxonomy

    def check_service(self, values: dict[str, Any]) -> None:
        status = values.get("status")
        if status is None:
            values["status"] = m.ServiceStatus.ACTIVE
            self.warn(
                "status",
                "has no status; it was imported as active, as feeds list the services "
                "they run. Check it is still open",
            )
        else:
            tidy = STATUSES.get(status.lower().replace(" ", "").replace("_", "").replace("-", ""))
            if tidy is None:
                raise Rejected(
                    "status",
                    f"has the status '{status}', which is not one of "
                    f"{', '.join(m.ServiceStatus.values[:-1])} or {m.ServiceStatus.values[-1]}; "
                    "it was not imported",
                )
            if tidy != status:
                self.fix("status", f"read as '{tidy}'", status)
            values["status"] = tidy
        if not values.get("organization_id"):
            raise Rejected(
                "organization_id",
                "names no organisation, and every service belongs to one; it was not imported",
            )
        for name in ("minimum_age", "maximum_age"):
            if values.get(name) is not None and values[name] > 130:
                self.warn(
                    name,
                    f"has a {field_name(name)} of {values[name]}, which is not a "
                    "plausible age; it was left out",
                )
                values[name] = None
        low, high = values.get("minimum_age"), values.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.warn(
                "minimum_age",
                f"has a minimum age ({low}) above its maximum age ({high}); both were left out",
            )
            values["minimum_age"] = values["maximum_age"] = None

    def check_location(self, values: dict[str, Any]) -> None:
        kind = values.get("location_type")
        if kind is None:
            located = self.record["id"] in self.with_address or values.get("latitude") is not None
            values["location_type"] = "physical" if located or not values.get("url") else "virtual"
            self.fix("location_type", f"not given, so taken as {values['location_type']}")
        elif kind.lower().strip() in m.LocationType.values:
            values["location_type"] = kind.lower().strip()
        else:
            raise Rejected(
                "location_type",
                f"has the location type '{kind}', which is not physical, postal or virtual; it "
                "was not imported",
            )
        lat, lon = values.get("latitude"), values.get("longitude")
        if lat is None and lon is None:
            return
        if (lat is None) != (lon is None):
            self.warn(
                "latitude",
                "has a latitude or a longitude but not both; its coordinates were left out",
            )
        elif lat == 0 and lon == 0:
            self.fix("coordinates", "given as 0, 0 (none), so left out")
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            bad = "latitude" if not -90 <= lat <= 90 else "longitude"
            limit = 90 if bad == "latitude" else 180
            self.warn(
                bad,
                f"has the {bad} {values[bad]:g}, which is not between -{limit} and "
                f"{limit}; its coordinates were left out",
            )
        elif not normalise.in_uk(lat, lon) and normalise.in_uk(lon, lat):
            values["latitude"], values["longitude"] = lon, lat
            self.fix("coordinates", "given longitude first, so swapped back", f"{lat:g}, {lon:g}")
            return
        else:
            return
        values["latitude"] = values["longitude"] = None

    def check_address(self, values: dict[str, Any]) -> None:
        given = values.get("postal_code", "")
        try:
            values["postal_code"] = normalise_postcode(given)
        except ValidationError:
            raise Rejected(
                "postal_code",
                f"has the postcode '{given}', which is not a UK postcode; the address was not "
                "imported (its location was)",
            ) from None
        if values["postal_code"] != given:
            self.fix("postal_code", "written in capitals with its space", given)
        country = values.get("country")
        if country is None:
            values["country"] = "GB"
            self.fix("country", "not given, so taken as GB")
        elif len(country) != 2 or not country.isalpha():
            tidy = COUNTRIES.get(country.lower().replace(" ", "").replace(".", ""))
            if tidy is None:
                raise Rejected(
                    "country",
                    f"has the country '{country}', which is not a two-letter country "
                    "code such as GB; it was not imported",
                )
            values["country"] = tidy
            self.fix("country", f"read as {tidy}", country)
        else:
            values["country"] = country.upper()
        kind = (values.get("address_type") or "physical").lower().strip()
        if kind not in m.LocationType.values:
            raise Rejected(
                "address_type",
                f"has the address type '{values['address_type']}', which is not "
                "physical, postal or virtual; it was not imported",
            )
        if "address_type" not in values:
            self.fix("address_type", "not given, so taken as physical")
        values["address_type"] = kind
        if not values.get("city"):
            self.warn("city", "has no town or city; it was imported without one")
            values["city"] = ""
        if not values.get("state_province"):
            self.fix("state_province", "not given, so imported without one")
            values["state_province"] = ""

    def check_contact(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["contact"])

    def check_phone(self, values: dict[str, Any]) -> None:
        given = values.get("number", "")
        try:
            number, extension, note = normalise.phone(given)
        except normalise.Unusable as error:
            raise Rejected("number", f"'{given}' {error.reason}; it was not imported") from None
        values["number"] = number
        if extension and not values.get("extension"):
            values["extension"] = extension
        if note:
            self.fix("number", note, given)
        self._needs_one(values, REFERENCES["phone"])

    def check_schedule(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["schedule"])

    def check_language(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["language"])

    def check_accessibility(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["accessibility"])

    def check_attribute(self, values: dict[str, Any]) -> None:
        record = self.record
        linked = record.get("link_entity", "service")
        if linked != "service":
            raise Rejected(
                "link_entity",
                f"is attached to a {linked}, and only services' terms are kept; "
                "it was not imported",
            )
        if not values.get("taxonomy_term_id"):
            raise Rejected("taxonomy_term_id", "names no taxonomy term; it was not imported")
        raw = record.get("link_id") or record.get("service_id") or ""
        link = key("service", raw) if raw else ""
        if not link or not self.exists("service", link):
            if link in self.refused["service"]:
                raise Rejected(
                    "link_id",
                    f"belongs to {mid(self.parent('service', raw))}, which was not "
                    "imported; so neither was this",
                    follows=self.refused["service"][link],
                )
            raise Rejected(
                "link_id",
                f"belongs to service id {raw or '(none)'}, which is not in the feed "
                "or the directory; it was not imported",
            )
        values["service_id"] = link
        values.pop("link_id", None)
        pair = (link, values["taxonomy_term_id"])
        other = self.pairs.get(pair)
        if other and other != record["id"]:
            raise Rejected(
                "taxonomy_term_id",
                "is given to the service more than once; it was imported once",
            )
        self.pairs[pair] = record["id"]

    def check_service_at_location(self, values: dict[str, Any]) -> None:
        pair = (values["service_id"], values["location_id"])
        other = self.pairs.get(pair)
        if other and other != self.record["id"]:
            raise Rejected(
                "location_id",
                "is in the feed more than once under different ids; it was imported once",
            )
        self.pairs[pair] = self.record["id"]

    def _needs_one(self, values: dict[str, Any], refs: dict[str, Any]) -> None:
        if not any(values.get(ref) for ref in refs):
            raise Rejected(
                ", ".join(refs),
                "belongs to no organisation, service or location; it was not imported",
            )

    def load_pairs(self, entity: str) -> None:
        """The (service, term) or (service, location) pairs already held, for the feed's
        services: each may be held once."""
        self.pairs = {}
        other = {"attribute": "taxonomy_term_id", "service_at_location": "location_id"}.get(entity)
        if other is None:
            return
        services = sorted(self.kept["service"] | self.existing["service"])
        for start in range(0, len(services), 10000):
            for sid, oid, pk in (
                MODELS[entity]
                .objects.filter(service_id__in=services[start : start + 10000])
                .values_list("service_id", other, "pk")
            ):
                self.pairs[(str(sid), str(oid))] = str(pk)

    # writing

    def run(self) -> None:
        self.preload()
        for entity in ORDER:
            table = self.tables.get(entity, {})
            if not table:
                continue
            self.load_pairs(entity)
            rows = []
            for record in table.values():
                self.entity, self.record, self.warned = entity, record, False
                try:
                    values = self.values(entity, record)
                    self.check(entity, record, values)
                except Rejected as rejected:
                    self.reject(entity, record, rejected)
                    continue
                rows.append((record, values, self.warned))
            self.write(entity, rows)
            if entity == "taxonomy_term":
                self.link_parents(table)
            if entity == "address":
                self.place_locations([r["id"] for r, _v, _w in rows])

    def write(self, entity: str, rows: list[tuple[Record, dict[str, Any], bool]]) -> None:
        """Upsert the checked records in batches. A field no record gives is left alone; one
        that some give is kept at its stored value for the others (read in one query)."""
        if not rows:
            return
        model = MODELS[entity]
        attnames = {f.attname for f in model._meta.concrete_fields if not f.generated} - {"id"}
        attnames -= {model._meta.get_field(n).attname for n in OURS if _has(model, n)}
        if entity == "taxonomy_term":
            attnames.discard("parent_id")  # set once every term of the feed exists
        fields = sorted({k for _r, v, _w in rows for k in v if k in attnames})
        stored: dict[str, dict[str, Any]] = {}
        updating = [r["id"] for r, _v, _w in rows if r["id"] in self.existing[entity]]
        partial = any(len([k for k in v if k in attnames]) < len(fields) for _r, v, _w in rows)
        if fields and updating and partial:
            for start in range(0, len(updating), 10000):
                for row in model.objects.filter(pk__in=updating[start : start + 10000]).values(
                    "pk", *fields
                ):
                    stored[str(row.pop("pk"))] = row
        items = []
        for record, values, warned in rows:
            given = {k: v for k, v in values.items() if k in attnames}
            kept = stored.get(record["id"], {})
            full = {f: given[f] if f in given else kept.get(f, _default(model, f)) for f in fields}
            items.append((record, warned, model(id=record["id"], **full)))
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            try:
                with transaction.atomic():
                    _upsert(model, [obj for _r, _w, obj in batch], fields)
            except DatabaseError:
                # One record the checks missed: write the batch one by one to find it.
                for record, warned, obj in batch:
                    try:
                        with transaction.atomic():
                            _upsert(model, [obj], fields)
                    except DatabaseError as error:
                        reason = str(error).splitlines()[0]
                        self.entity, self.record = entity, record
                        self.reject(
                            entity,
                            record,
                            Rejected(
                                "(record)",
                                f"was refused by the database ({reason}); it was not imported",
                            ),
                        )
                        continue
                    self.done(entity, record, warned)
            else:
                for record, warned, _obj in batch:
                    self.done(entity, record, warned)

    def done(self, entity: str, record: Record, warned: bool) -> None:
        self.kept[entity].add(record["id"])
        counts = self.report.counts[entity]
        counts["updated" if record["id"] in self.existing[entity] else "created"] += 1
        if warned:
            counts["warned"] += 1
            self.warned_ids[entity].add(record["id"])

    def link_parents(self, terms: dict[str, Record]) -> None:
        links = []
        for term_id, record in terms.items():
            parent = record.get("parent_id")
            if not parent or term_id not in self.kept["taxonomy_term"]:
                continue
            self.entity, self.record = "taxonomy_term", record
            value = key("taxonomy_term", parent)
            if self.exists("taxonomy_term", value):
                links.append(m.TaxonomyTerm(id=term_id, parent_id=value))
            else:
                self.warn(
                    "parent_id",
                    f"names the parent term id {parent}, which is not in the feed or the "
                    "directory; it was imported without a parent",
                )
                if term_id not in self.warned_ids["taxonomy_term"]:
                    self.warned_ids["taxonomy_term"].add(term_id)
                    self.report.counts["taxonomy_term"]["warned"] += 1
        m.TaxonomyTerm.objects.bulk_update(links, ["parent"], batch_size=BATCH)

    def place_locations(self, addresses: list[str]) -> None:
        """Each location with an address the feed gave: its locality from the postcode, and the
        postcode's coordinates when it has none of its own (a distance search needs them)."""
        written = sorted(set(addresses) & self.kept["address"])
        if not written:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE directory_location AS l SET locality_id = p.locality_id "
                "FROM directory_address AS a JOIN places_postcode AS p "
                "ON p.postcode = a.postal_code "
                "WHERE a.location_id = l.id AND a.id = ANY(%s::uuid[]) "
                "AND p.locality_id IS NOT NULL",
                [written],
            )
            cursor.execute(
                "UPDATE directory_location AS l "
                "SET latitude = p.latitude, longitude = p.longitude "
                "FROM directory_address AS a JOIN places_postcode AS p "
                "ON p.postcode = a.postal_code "
                "WHERE a.location_id = l.id AND a.id = ANY(%s::uuid[]) "
                "AND l.latitude IS NULL AND l.location_type <> 'virtual' "
                "RETURNING l.id, l.name, a.postal_code",
                [written],
            )
            placed = cursor.fetchall()
        self.entity = "location"
        for location_id, name, code in placed:
            self.record = self.tables["location"].get(str(location_id), {"name": name})
            self.fix("coordinates", "none usable, so placed at the postcode", code)


def mid(label: str) -> str:
    """A label as it reads inside a sentence: ``service 'Talk Together'``."""
    return label[:1].lower() + label[1:] if label else label


def _has(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _default(model: type[models.Model], attname: str) -> Any:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.get_default()
    return None


def _number(value: Any, kind: type) -> Any:
    if isinstance(value, bool):
        raise normalise.Unusable("is not a number")
    text = str(value).strip().lstrip("£").replace(",", "")
    try:
        return kind(text)
    except (ValueError, InvalidOperation):
        raise normalise.Unusable("is not a number") from None


def _upsert(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> None:
    if fields:
        model.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["id"], update_fields=fields
        )
    else:
        model.objects.bulk_create(objs, ignore_conflicts=True)


def import_feed(path: str | Path) -> ImportReport:
    """Import the Open Referral UK feed at ``path`` in one transaction; report what happened."""
    path = Path(path)
    report = ImportReport()
    try:
        tables = read_feed(path, report)
    except FeedRefused as refused:
        return ImportReport(refused=str(refused))
    with transaction.atomic(), pghistory.context(directory_import=path.name):
        _Importer(tables, report).run()
    return report
