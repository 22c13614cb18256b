"""A county council's Open Referral UK feed, made up, with the faults councils' real feeds have.

The feed is the ORUK API's ``/services`` answer saved page by page (``services_page_001.json``
…, each a paged envelope whose ``contents`` are ``service_full`` objects with their organisation,
locations, phones, schedules and taxonomy terms nested), as councils publish it. Everything in it
is synthetic: the county of Wyvern, its towns, ``.example`` web addresses, Ofcom's drama phone
numbers (01632 960xxx) and postcodes in the made-up WY area. It is made from a seed, so a test
can name what it holds, and written where it is needed rather than committed.

The faults, each on a share of its records (see ``FAULTS``): organisations with no description;
web addresses without a scheme, with spaces or trailing punctuation; emails with spaces or
``mailto:``; phone numbers in many formats; services with no id, the same service on two pages,
services of an organisation the feed does not have, a service with no name; terms from a
vocabulary we do not know (the LGA's esd service types) with no description; locations with no
coordinates, with latitude and longitude swapped or zero, with no location type; postcodes in
lower case or without their space, and a few that are not postcodes; HTML in descriptions; very
long names; dates in several formats; a byte-order mark at the start of the first page.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NAMESPACE = uuid.UUID("6f1c1b8e-2f0b-4f59-9d0a-7d1c2a0b5e11")
TOWNS = [
    "Kingsmead",
    "Wyvernbridge",
    "Ashcombe",
    "Holloway Cross",
    "Marlow Down",
    "Fenwick",
    "Stowe Magna",
    "Brackley Heath",
]
KINDS = [
    ("Peer support group", "A weekly group led by people with lived experience"),
    ("Money and debt advice", "Advice on benefits, debt and budgeting"),
    ("Carers' drop-in", "Support and a cup of tea for people caring for someone"),
    ("Walking group", "Gentle walks in the countryside, all abilities welcome"),
    ("Housing advice", "Help with tenancy problems, repairs and homelessness"),
    ("Talking therapies", "Short courses of talking therapy for low mood and anxiety"),
    ("Food bank", "Emergency food parcels with a voucher from a referrer"),
    ("Men's shed", "A workshop space to make, mend and talk"),
    ("Bereavement support", "One-to-one and group support after a death"),
    ("Employment support", "Help to find, start and keep a job"),
]
# Terms from a vocabulary this directory does not know (the LGA's esd service types).
ESD_TERMS = [f"esd service type {n}" for n in range(1, 41)]
NEEDS = ["Wellbeing", "Money", "Housing", "Loneliness", "Work", "Carers", "Food", "Grief"]
PHONE_FORMATS = [
    "01632 96{0:04d}",
    "(01632) 96{0:04d}",
    "+44 (0)1632 96{0:04d}",
    "0163296{0:04d}",
    "+441632 96{0:04d}",
    "tel:0163296{0:04d}",
    "01632 96{0:04d} ext 12",
    "0800-{0:03d}-4567",
]
DATE_FORMATS = [
    "2026-10-{0:02d}T09:30:00Z",
    "{0:02d}/10/2026",
    "2026-10-{0:02d} 09:30:00",
    "{0} October 2026",
    "2026-10-{0:02d}",
]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
#: The share of records with each fault.
FAULTS = {
    "organisation without description": 0.25,
    "url without scheme": 0.3,
    "url with trailing punctuation": 0.05,
    "email with spaces or mailto": 0.1,
    "service without id": 0.005,
    "service on two pages": 0.01,
    "service of an unknown organisation": 0.01,
    "service without name": 0.003,
    "service without status": 0.03,
    "status in capitals": 0.1,
    "html description": 0.2,
    "long name": 0.005,
    "location without coordinates": 0.15,
    "coordinates swapped": 0.03,
    "coordinates zero": 0.02,
    "location without type": 0.2,
    "postcode untidy": 0.2,
    "postcode invalid": 0.01,
    "address without county": 0.3,
}


@dataclass
class CouncilFeed:
    """What was written: the folder, its pages and what the tests and benchmarks need to know."""

    folder: Path
    pages: int
    services: int
    organisations: int
    locations: int
    postcodes: list[str] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=dict)


def ident(kind: str, number: int) -> str:
    """The id the feed gives the ``number``th record of ``kind``: a UUID made from both."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{number}"))


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faults: dict[str, int] = {name: 0 for name in FAULTS}

    def fault(self, name: str) -> bool:
        if self.rng.random() < FAULTS[name]:
            self.faults[name] += 1
            return True
        return False

    def url(self, host: str, path: str = "") -> str:
        address = f"www.{host}.example{path}"
        if self.fault("url without scheme"):
            return address if self.rng.random() < 0.7 else f" {address} "
        if self.fault("url with trailing punctuation"):
            return f"https://{address}."
        return f"https://{address}"

    def email(self, local: str, host: str) -> str:
        address = f"{local}@{host}.example"
        if self.fault("email with spaces or mailto"):
            return self.rng.choice([f" {address} ", f"mailto:{address}", address.upper()])
        return address

    def phone(self, number: int) -> str:
        return self.rng.choice(PHONE_FORMATS).format(number % 10000)

    def date(self) -> str:
        return self.rng.choice(DATE_FORMATS).format(self.rng.randint(1, 28))

    def postcode(self, number: int) -> str:
        district = number % 30 + 1
        inward = f"{number % 9 + 1}{INWARD[number % 20]}{INWARD[(number // 20) % 20]}"
        return f"WY{district} {inward}"

    def describe(self, text: str) -> str:
        if self.fault("html description"):
            return f"<p>{text} &amp; more.</p><ul><li>Free</li><li>No referral needed</li></ul>"
        return text


def _organisation(mk: _Maker, number: int) -> dict[str, Any]:
    town = TOWNS[number % len(TOWNS)]
    host = f"wyvern-org-{number}"
    org: dict[str, Any] = {
        "id": ident("organization", number),
        "name": f"{town} Community Trust {number}",
        "website": mk.url(host),
        "email": mk.email("hello", host),
    }
    if not mk.fault("organisation without description"):
        org["description"] = f"A charity serving {town} and the villages around it"
    return org


def _location(mk: _Maker, number: int, org_id: str) -> tuple[dict[str, Any], str]:
    town = TOWNS[number % len(TOWNS)]
    postcode = mk.postcode(number)
    lat = round(52.0 + (number % 97) / 200, 5)
    lon = round(-2.6 + (number % 89) / 150, 5)
    location: dict[str, Any] = {
        "id": ident("location", number),
        "organization_id": org_id,
        "name": f"{town} Community Hub {number}",
        "description": "Ground floor, step-free",
        "location_type": "physical",
    }
    if mk.fault("location without type"):
        del location["location_type"]
    if mk.fault("location without coordinates"):
        pass
    elif mk.fault("coordinates swapped"):
        location.update(latitude=lon, longitude=lat)
    elif mk.fault("coordinates zero"):
        location.update(latitude=0, longitude=0)
    else:
        location.update(latitude=lat, longitude=lon)
    written = postcode
    if mk.fault("postcode invalid"):
        written = f"WY{number % 30 + 1}"
    elif mk.fault("postcode untidy"):
        written = mk.rng.choice([postcode.lower(), postcode.replace(" ", ""), f" {postcode} "])
    address: dict[str, Any] = {
        "id": ident("address", number),
        "address_1": f"{number % 90 + 1} Market Street",
        "city": town,
        "state_province": "Wyvern",
        "postal_code": written,
        "country": "GB",
        "address_type": "physical",
    }
    if mk.fault("address without county"):
        del address["state_province"]
        del address["country"]
    location["addresses"] = [address]
    if number % 3 == 0:
        location["accessibility"] = [
            {"id": ident("accessibility", number), "description": "Step-free entrance"}
        ]
    return location, postcode


def _service(
    mk: _Maker, number: int, org: dict[str, Any], locations: list[dict[str, Any]]
) -> dict[str, Any]:
    kind, blurb = KINDS[number % len(KINDS)]
    town = TOWNS[number % len(TOWNS)]
    host = f"wyvern-org-{number % 400}"
    name = f"{kind}, {town} ({number})"
    if mk.fault("long name"):
        name = f"{name} – " + "open to everyone who lives, works or studies in Wyvern " * 6
    service: dict[str, Any] = {
        "id": ident("service", number),
        "name": name,
        "description": mk.describe(f"{blurb} in {town}"),
        "url": mk.url(host, f"/services/{number}"),
        "email": mk.email(f"service{number}", host),
        "status": "active",
        "minimum_age": 18,
        "last_modified": mk.date(),
        "assured_date": mk.date(),
        "organization": {k: v for k, v in org.items() if k != "services"},
        "phones": [{"id": ident("phone", number), "number": mk.phone(number)}],
        "schedules": [
            {
                "id": ident("schedule", number),
                "freq": "WEEKLY",
                "byday": ["MO", "TU", "WE", "TH", "FR"][number % 5],
                "opens_at": "10:00",
                "closes_at": "14:00",
                "description": "Weekly, in term time",
            }
        ],
        "languages": [{"id": ident("language", number), "name": "English", "code": "en"}],
        "service_areas": [{"id": ident("service_area", number), "name": f"{town} and around"}],
        "attributes": [
            {
                "id": ident("attribute", number * 2),
                "taxonomy_term": {
                    "id": ident("esd", number % len(ESD_TERMS)),
                    "name": ESD_TERMS[number % len(ESD_TERMS)],
                    "taxonomy": "esdServiceTypes",
                },
            },
            {
                "id": ident("attribute", number * 2 + 1),
                "taxonomy_term": {
                    "id": ident("need", number % len(NEEDS)),
                    "name": NEEDS[number % len(NEEDS)],
                    "description": f"Help with {NEEDS[number % len(NEEDS)].lower()}",
                    "taxonomy_id": ident("taxonomy", 0),
                    "taxonomy_detail": {
                        "id": ident("taxonomy", 0),
                        "name": "Wyvern needs",
                        "description": "What people in Wyvern look for help with",
                    },
                },
            },
        ],
        "service_at_locations": [
            {"id": ident("service_at_location", number * 2 + i), "location": location}
            for i, location in enumerate(locations)
        ],
    }
    if number % 4 == 0:
        service["cost_options"] = [
            {"id": ident("cost_option", number), "option": "Per session", "amount": 3}
        ]
    if mk.fault("service without status"):
        del service["status"]
    elif mk.fault("status in capitals"):
        service["status"] = "Active"
    if mk.fault("service of an unknown organisation"):
        del service["organization"]
        service["organization_id"] = ident("organization", 100_000 + number)
    if mk.fault("service without name"):
        del service["name"]
    if mk.fault("service without id"):
        del service["id"]
    return service


def write_council_feed(
    folder: str | Path,
    *,
    services: int = 2000,
    organisations: int = 400,
    locations: int = 3000,
    page_size: int = 100,
    seed: int = 21,
) -> CouncilFeed:
    """Write a council's paged ``/services`` feed of the given size to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    mk = _Maker(seed)
    orgs = [_organisation(mk, n) for n in range(organisations)]
    places, postcodes = [], []
    for n in range(locations):
        location, postcode = _location(mk, n, orgs[n % organisations]["id"])
        places.append(location)
        postcodes.append(postcode)
    # Every location is used: service n at location n, and the rest shared out as second sites.
    extra = list(range(services, locations))
    items = []
    for n in range(services):
        sites = [places[n % locations]]
        if n < len(extra):
            sites.append(places[extra[n]])
        items.append(_service(mk, n, orgs[n % organisations], sites))
    # Pages are read while the feed changes: a few services turn up again on the next page.
    repeats = [
        i for i in range(len(items)) if items[i].get("id") and mk.fault("service on two pages")
    ]
    for i in reversed(repeats):
        items.insert(min(len(items), (i // page_size + 1) * page_size), items[i])
    pages = [items[i : i + page_size] for i in range(0, len(items), page_size)]
    for number, contents in enumerate(pages, start=1):
        envelope = {
            "total_items": len(items),
            "total_pages": len(pages),
            "page_number": number,
            "size": len(contents),
            "first_page": number == 1,
            "last_page": number == len(pages),
            "empty": not contents,
            "contents": contents,
        }
        text = json.dumps(envelope, ensure_ascii=False)
        if number == 1:
            text = "\ufeff" + text  # some publishers write a byte-order mark
        (folder / f"services_page_{number:03d}.json").write_text(text, encoding="utf-8")
    return CouncilFeed(
        folder=folder,
        pages=len(pages),
        services=services,
        organisations=organisations,
        locations=locations,
        postcodes=sorted(set(postcodes)),
        faults=dict(mk.faults),
    )
