"""Import an Open Referral UK feed: a JSON file (or a folder of them) or a folder of CSV tables.

The feed is first read into one table per entity (nested JSON objects are flattened, each child
keeping its parent's id), then written in dependency order in one transaction. Records are matched
by id, so importing a feed again updates the same rows. Each record is checked: a record that
cannot be kept (missing required field, broken reference, unknown taxonomy term, invalid
postcode) is rejected with a reason and the rest of the feed still imports; a field that is wrong
but leaves a usable record (a latitude of 100) is dropped with a warning. A feed that cannot be
read at all (invalid JSON, a CSV table without its required columns) is refused and nothing is
written.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import DatabaseError, models, transaction
from django.utils.dateparse import parse_date, parse_datetime, parse_time

from alongside.core.validators import normalise_postcode
from alongside.directory import models as m
from alongside.directory.interchange import schema
from alongside.places.models import Postcode

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
_url = URLValidator()


class FeedRefused(Exception):
    """The feed cannot be read at all; nothing was written."""


class Rejected(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass
class Problem:
    entity: str
    id: str
    field: str
    reason: str
    source: str = ""

    def __str__(self) -> str:
        where = f" [{self.source}]" if self.source else ""
        return f"{self.entity} {self.id or '(no id)'}: {self.field}: {self.reason}{where}"


@dataclass
class ImportReport:
    """What an import did: counts per entity, and each warning and rejection with its reason."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: str = ""

    def count(self, entity: str, outcome: str) -> int:
        return self.counts.get(entity, Counter())[outcome]

    def lines(self) -> list[str]:
        if self.refused:
            return [f"Feed refused, nothing imported: {self.refused}"]
        out = ["entity: created, updated, rejected"]
        for entity in ORDER:
            c = self.counts.get(entity)
            if c:
                out.append(f"{entity}: {c['created']}, {c['updated']}, {c['rejected']}")
        out += [f"note: {n}" for n in self.notes]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"rejected: {r}" for r in self.rejections]
        return out


Record = dict[str, Any]
Tables = dict[str, dict[str, Record]]


# --- reading -----------------------------------------------------------------------------------


def _add(tables: Tables, entity: str, data: Record, source: str, report: ImportReport) -> None:
    record = {k: v for k, v in data.items() if v is not None and v != "" and v != []}
    record_id = str(record.get("id", "")).strip()
    if not record_id:
        report.rejections.append(Problem(entity, "", "id", "missing", source))
        report.counts[entity]["rejected"] += 1
        return
    record["id"] = record_id
    table = tables[entity]
    if record_id in table:  # the same record again (nested in several places): fill in gaps
        for key, value in record.items():
            table[record_id].setdefault(key, value)
    else:
        record["_source"] = source
        table[record_id] = record


def _children(parent: Record, key: str) -> list[Record]:
    value = parent.get(key) or []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _flatten_location(tables: Tables, data: Record, source: str, report: ImportReport) -> None:
    _add(tables, "location", data, source, report)
    for key, entity in (
        ("addresses", "address"),
        ("accessibility", "accessibility"),
        ("phones", "phone"),
        ("schedules", "schedule"),
        ("languages", "language"),
        ("contacts", "contact"),
    ):
        for child in _children(data, key):
            _add(tables, entity, {"location_id": data.get("id"), **child}, source, report)
            if entity == "contact":
                for ph in _children(child, "phones"):
                    _add(tables, "phone", {"contact_id": child.get("id"), **ph}, source, report)


def _flatten_term(tables: Tables, data: Record, source: str, report: ImportReport) -> None:
    if isinstance(data.get("taxonomy_detail"), dict):
        _add(tables, "taxonomy", data["taxonomy_detail"], source, report)
    _add(tables, "taxonomy_term", data, source, report)


def _flatten_service(
    tables: Tables, data: Record, source: str, report: ImportReport, org_id: Any = None
) -> None:
    row = dict(data)
    if isinstance(data.get("organization"), dict):
        _flatten_organization(tables, data["organization"], source, report, nested=True)
        row.setdefault("organization_id", data["organization"].get("id"))
    if org_id and not row.get("organization_id"):
        row["organization_id"] = org_id
    _add(tables, "service", row, source, report)
    sid = data.get("id")
    for key, entity in (
        ("phones", "phone"),
        ("schedules", "schedule"),
        ("languages", "language"),
        ("cost_options", "cost_option"),
        ("service_areas", "service_area"),
    ):
        for child in _children(data, key):
            _add(tables, entity, {"service_id": sid, **child}, source, report)
    for child in _children(data, "contacts"):
        _add(tables, "contact", {"service_id": sid, **child}, source, report)
        for ph in _children(child, "phones"):
            _add(tables, "phone", {"contact_id": child.get("id"), **ph}, source, report)
    for child in _children(data, "attributes"):
        attr = {"link_id": sid, "link_entity": "service", **child}
        if isinstance(child.get("taxonomy_term"), dict):
            _flatten_term(tables, child["taxonomy_term"], source, report)
            attr.setdefault("taxonomy_term_id", child["taxonomy_term"].get("id"))
        _add(tables, "attribute", attr, source, report)
    for child in _children(data, "service_at_locations"):
        _flatten_sal(tables, child, source, report, service_id=sid)


def _flatten_sal(
    tables: Tables, data: Record, source: str, report: ImportReport, service_id: Any = None
) -> None:
    row = dict(data)
    if isinstance(data.get("location"), dict):
        _flatten_location(tables, data["location"], source, report)
        row.setdefault("location_id", data["location"].get("id"))
    if isinstance(data.get("service"), dict):
        _flatten_service(tables, data["service"], source, report)
        row.setdefault("service_id", data["service"].get("id"))
    if service_id:
        row.setdefault("service_id", service_id)
    _add(tables, "service_at_location", row, source, report)
    for key, entity in (("phones", "phone"), ("schedules", "schedule"), ("contacts", "contact")):
        for child in _children(data, key):
            _add(
                tables, entity, {"service_at_location_id": data.get("id"), **child}, source, report
            )
            if entity == "contact":
                for ph in _children(child, "phones"):
                    _add(tables, "phone", {"contact_id": child.get("id"), **ph}, source, report)


def _flatten_organization(
    tables: Tables, data: Record, source: str, report: ImportReport, nested: bool = False
) -> None:
    _add(tables, "organization", data, source, report)
    if nested:
        return
    for child in _children(data, "phones"):
        _add(tables, "phone", {"organization_id": data.get("id"), **child}, source, report)
    for child in _children(data, "contacts"):
        _add(tables, "contact", {"organization_id": data.get("id"), **child}, source, report)
        for ph in _children(child, "phones"):
            _add(tables, "phone", {"contact_id": child.get("id"), **ph}, source, report)
    for child in _children(data, "services"):
        _flatten_service(tables, child, source, report, org_id=data.get("id"))
    for child in _children(data, "locations"):
        _flatten_location(tables, {"organization_id": data.get("id"), **child}, source, report)


def _flatten_taxonomy(tables: Tables, data: Record, source: str, report: ImportReport) -> None:
    _add(tables, "taxonomy", data, source, report)
    for child in _children(data, "taxonomy_terms"):
        _flatten_term(tables, {"taxonomy_id": data.get("id"), **child}, source, report)


def _shape(data: Record, hint: str) -> str:
    """Which entity a JSON object is: from telling fields, the file's name, then other fields."""
    if "location" in data and ("service" in data or "service_id" in data):
        return "service_at_location"
    for prefix, name in (
        ("service_at_location", "service_at_location"),
        ("service", "service"),
        ("organization", "organization"),
        ("taxonomy_term", "taxonomy_term"),
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
        return "taxonomy_term"
    raise FeedRefused(f"{hint}: cannot tell which Open Referral entity this is")


FLATTEN = {
    "service": _flatten_service,
    "service_at_location": _flatten_sal,
    "organization": _flatten_organization,
    "taxonomy": _flatten_taxonomy,
    "taxonomy_term": _flatten_term,
}


def _read_json(path: Path, tables: Tables, report: ImportReport) -> None:
    try:
        payload = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FeedRefused(f"{path.name}: not valid JSON ({error})") from error
    if isinstance(payload, dict) and isinstance(payload.get("contents"), list):
        items = payload["contents"]
    elif isinstance(payload, list):
        items = payload
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise FeedRefused(f"{path.name}: expected an object, a list or a page with contents")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FeedRefused(f"{path.name}: item {index + 1} is not an object")
        entity = _shape(item, path.stem)
        FLATTEN[entity](tables, item, f"{path.name} item {index + 1}", report)


def _read_csv(folder: Path, tables: Tables, report: ImportReport) -> None:
    for entity in ORDER:
        needed = ["id", *[f for f in schema.required_fields(entity) if not f.endswith("_id")]]
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
                _add(tables, entity, row, f"{name} line {line}", report)
    unread = [n for n in NOT_KEPT_CSV if (folder / n).exists()]
    if unread:
        report.notes.append(f"not kept by this directory: {', '.join(unread)}")


def read_feed(path: Path, report: ImportReport) -> Tables:
    """The feed at ``path`` as one table of records per entity."""
    tables: Tables = defaultdict(dict)
    if path.is_dir():
        if any(path.glob("*.csv")):
            _read_csv(path, tables, report)
        else:
            files = sorted(path.glob("*.json"))
            if not files:
                raise FeedRefused(f"{path}: no .csv or .json files")
            for file in files:
                _read_json(file, tables, report)
    elif path.exists():
        _read_json(path, tables, report)
    else:
        raise FeedRefused(f"{path}: no such file or folder")
    return tables


# --- checking and writing ----------------------------------------------------------------------


class _Writer:
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.done: dict[str, set[str]] = defaultdict(set)
        self.entity = ""
        self.record: Record = {}

    def warn(self, field_name: str, reason: str) -> None:
        self.report.warnings.append(
            Problem(self.entity, self.record["id"], field_name, reason, self.record["_source"])
        )

    def exists(self, entity: str, value: str) -> bool:
        if value in self.done[entity]:
            return True
        return MODELS[entity].objects.filter(pk=value).exists()

    def convert(self, model: type[models.Model], name: str, value: Any) -> Any:
        """``value`` as ``model.name`` stores it; a bad value is dropped with a warning."""
        f = model._meta.get_field(name)
        try:
            if isinstance(f, models.DateTimeField):
                parsed = parse_datetime(str(value))
                if parsed is None:
                    raise ValueError
                return parsed
            if isinstance(f, models.DateField):
                parsed = parse_date(str(value)[:10])
                if parsed is None:
                    raise ValueError
                return parsed
            if isinstance(f, models.TimeField):
                parsed = parse_time(str(value))
                if parsed is None:
                    raise ValueError
                return parsed
            if isinstance(f, models.FloatField):
                return float(value)
            if isinstance(f, models.DecimalField):
                return Decimal(str(value))
            if isinstance(f, models.PositiveIntegerField | models.PositiveSmallIntegerField):
                number = float(value)
                if number < 0 or number != int(number):
                    raise ValueError
                return int(number)
            text = str(value).strip().strip('"') if not isinstance(value, str) else value.strip()
            if isinstance(f, models.EmailField):
                validate_email(text)
            elif isinstance(f, models.URLField):
                _url(text)
            max_length = getattr(f, "max_length", None)
            if max_length and len(text) > max_length:
                self.warn(name, f"longer than {max_length} characters; cut short")
                text = text[:max_length]
            return text
        except (ValueError, TypeError, InvalidOperation, ValidationError):
            self.warn(name, f"{value!r} is not a valid {f.get_internal_type()}; left out")
            return None

    def values(self, entity: str, record: Record) -> dict[str, Any]:
        model = MODELS[entity]
        renames = RENAMES.get(entity, {})
        names = {f.name for f in model._meta.concrete_fields if not f.generated} - {"id"}
        out: dict[str, Any] = {}
        for key, value in record.items():
            key = renames.get(key, key)
            if key.startswith("_") or isinstance(value, dict | list):
                continue
            if key.endswith("_id") and key[:-3] in names:
                out[key] = value  # references are checked separately
            elif key in names and key not in ("organisation", "locality", "search_vector"):
                converted = self.convert(model, key, value)
                if converted is not None:
                    out[key] = converted
        return out

    def check(self, entity: str, record: Record, values: dict[str, Any]) -> None:
        """Raise ``Rejected`` for a record that cannot be kept; warn and mend what can be."""
        try:
            uuid.UUID(record["id"])
        except ValueError:
            raise Rejected("id", "not a UUID") from None
        renames = RENAMES.get(entity, {})
        for name in schema.required_fields(entity):
            if name == "id" or name.endswith("_id"):
                continue
            if not any(
                record.get(k) not in (None, "") for k, v in renames.items() if v == name
            ) and (record.get(name) in (None, "")):
                raise Rejected(name, "required by the UK profile but missing")
            if name not in values and name in record:
                raise Rejected(name, "required, and the value given is not valid")
        for ref, (target, fatal) in REFERENCES.get(entity, {}).items():
            value = values.get(ref)
            if value in (None, ""):
                continue
            try:
                value = str(uuid.UUID(str(value)))
            except ValueError:
                value = None
            if value is None or not self.exists(target, value):
                reason = f"no {target} {values[ref]} in the feed or the directory"
                if fatal:
                    raise Rejected(ref, reason)
                self.warn(ref, reason + "; link left out")
                values.pop(ref)
            else:
                values[ref] = value
        for ref in NEEDS_PARENT.get(entity, []):
            if not values.get(ref):
                raise Rejected(ref, "required: the record belongs to nothing without it")
        getattr(self, f"check_{entity}", lambda v: None)(values)

    def check_service(self, values: dict[str, Any]) -> None:
        if values.get("status") not in m.ServiceStatus.values:
            raise Rejected("status", f"must be one of {', '.join(m.ServiceStatus.values)}")
        if not values.get("organization_id"):
            raise Rejected("organization_id", "required: every service belongs to an organisation")
        for name in ("minimum_age", "maximum_age"):
            if values.get(name) is not None and values[name] > 130:
                self.warn(name, f"{values[name]} is not a plausible age; left out")
                values[name] = None
        low, high = values.get("minimum_age"), values.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.warn("minimum_age", "above maximum_age; both left out")
            values["minimum_age"] = values["maximum_age"] = None

    def check_location(self, values: dict[str, Any]) -> None:
        if values.get("location_type") not in m.LocationType.values:
            raise Rejected("location_type", f"must be one of {', '.join(m.LocationType.values)}")
        lat, lon = values.get("latitude"), values.get("longitude")
        bad = []
        if lat is not None and not -90 <= lat <= 90:
            bad.append(("latitude", lat, 90))
        if lon is not None and not -180 <= lon <= 180:
            bad.append(("longitude", lon, 180))
        if (lat is None) != (lon is None) and not bad:
            self.warn("latitude", "latitude and longitude must come together; left out")
            values["latitude"] = values["longitude"] = None
        for name, value, limit in bad:
            self.warn(name, f"{value:g} is not between -{limit} and {limit}; coordinates left out")
            values["latitude"] = values["longitude"] = None

    def check_address(self, values: dict[str, Any]) -> None:
        try:
            values["postal_code"] = normalise_postcode(values.get("postal_code", ""))
        except ValidationError:
            raise Rejected(
                "postal_code", f"{values.get('postal_code')!r} is not a valid UK postcode"
            ) from None
        if values.get("address_type") not in m.LocationType.values:
            raise Rejected("address_type", f"must be one of {', '.join(m.LocationType.values)}")
        if len(values.get("country", "")) != 2:
            raise Rejected("country", "must be a two-letter ISO 3166 code")

    def check_contact(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["contact"])

    def check_phone(self, values: dict[str, Any]) -> None:
        values["number"] = values.get("number", "").strip().strip('"').strip()
        self._needs_one(values, REFERENCES["phone"])

    def check_schedule(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["schedule"])

    def check_language(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["language"])

    def check_accessibility(self, values: dict[str, Any]) -> None:
        self._needs_one(values, REFERENCES["accessibility"])

    def check_attribute(self, values: dict[str, Any]) -> None:
        record = self.record
        if record.get("link_entity", "service") != "service":
            raise Rejected("link_entity", "only attributes of services are kept")
        if not values.get("taxonomy_term_id"):
            raise Rejected("taxonomy_term_id", "required")
        link = record.get("link_id") or record.get("service_id") or ""
        try:
            link = str(uuid.UUID(str(link)))
        except ValueError:
            link = ""
        if not link or not self.exists("service", link):
            raise Rejected(
                "link_id", f"no service {record.get('link_id')} in the feed or the directory"
            )
        values["service_id"] = link
        values.pop("link_id", None)
        clash = m.ServiceTerm.objects.filter(
            service_id=link, taxonomy_term_id=values["taxonomy_term_id"]
        ).exclude(pk=record["id"])
        if clash.exists():
            raise Rejected("taxonomy_term_id", "the service already has this term (another id)")

    def _needs_one(self, values: dict[str, Any], refs: dict[str, Any]) -> None:
        if not any(values.get(ref) for ref in refs):
            raise Rejected(", ".join(refs), "required: the record belongs to nothing without one")

    def write(self, entity: str, record: Record) -> None:
        self.entity, self.record = entity, record
        report = self.report
        try:
            values = self.values(entity, record)
            self.check(entity, record, values)
            model = MODELS[entity]
            if entity == "taxonomy_term":
                values.pop("parent_id", None)  # set once every term of the feed exists
            values = {
                k: v
                for k, v in values.items()
                if k in {f.attname for f in model._meta.concrete_fields}
            }
            with transaction.atomic():
                obj, created = model.objects.update_or_create(id=record["id"], defaults=values)
            if entity == "address":
                locality = (
                    Postcode.objects.filter(postcode=obj.postal_code)
                    .values_list("locality_id", flat=True)
                    .first()
                )
                if locality:
                    m.Location.objects.filter(pk=obj.location_id).update(locality_id=locality)
        except Rejected as rejected:
            report.rejections.append(
                Problem(entity, record["id"], rejected.field, rejected.reason, record["_source"])
            )
            report.counts[entity]["rejected"] += 1
            return
        except DatabaseError as error:
            reason = str(error).splitlines()[0]
            report.rejections.append(
                Problem(entity, record["id"], "(record)", reason, record["_source"])
            )
            report.counts[entity]["rejected"] += 1
            return
        self.done[entity].add(str(obj.pk))
        report.counts[entity]["created" if created else "updated"] += 1

    def link_parents(self, terms: dict[str, Record]) -> None:
        for term_id, record in terms.items():
            parent = record.get("parent_id")
            if not parent or term_id not in self.done["taxonomy_term"]:
                continue
            self.entity, self.record = "taxonomy_term", record
            try:
                parent = str(uuid.UUID(str(parent)))
            except ValueError:
                parent = ""
            if parent and self.exists("taxonomy_term", parent):
                m.TaxonomyTerm.objects.filter(pk=term_id).update(parent_id=parent)
            else:
                self.warn(
                    "parent_id",
                    f"no taxonomy_term {record['parent_id']} in the feed or the directory; "
                    "link left out",
                )


def import_feed(path: str | Path) -> ImportReport:
    """Import the Open Referral UK feed at ``path`` in one transaction; report what happened."""
    report = ImportReport()
    try:
        tables = read_feed(Path(path), report)
    except FeedRefused as refused:
        return ImportReport(refused=str(refused))
    writer = _Writer(report)
    with transaction.atomic():
        for entity in ORDER:
            for record in tables.get(entity, {}).values():
                writer.write(entity, record)
            if entity == "taxonomy_term":
                writer.link_parents(tables.get(entity, {}))
    return report
