"""The demo's local service directory: a needs taxonomy and Open Referral UK services.

Called from ``PlaceBuilder.build`` once the organisations and postcodes exist. About 150 services
at demo scale, rising in proportion to about 1,500 at county scale, run by the trust, the council,
public health, the VCSE alliance and the primary care networks, across every locality. Every
location's coordinates come from the generated postcode table; every phone number is an Ofcom
drama number, every address on the web under ``.example``.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.text import slugify

from alongside.demo import data
from alongside.directory.models import (
    Accessibility,
    Address,
    DirectoryOrganization,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceTerm,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.places.models import Postcode

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

_LONDON = zoneinfo.ZoneInfo("Europe/London")
TAXONOMY_NAME = "Alongside needs"
TAXONOMY_URI = f"https://alongside{data.DOMAIN_SUFFIX}/taxonomies/needs"
DEMO_SERVICES = 150
COUNTY_SERVICES = 1_500
DEMO_PEOPLE = 2_000
COUNTY_PEOPLE = 25_000
BATCH_SIZE = 2_000

NEEDS = (
    ("low-mood", "Low mood", "Feeling down, low or depressed."),
    ("anxiety", "Anxiety", "Worry, panic, fear and stress."),
    ("loneliness", "Loneliness", "Feeling alone or cut off from others."),
    ("debt-money", "Debt and money", "Debt, benefits and money worries."),
    ("housing", "Housing", "Finding or keeping a home."),
    ("employment", "Employment", "Finding, keeping or returning to work."),
    ("carers", "Carers", "Support for people who look after someone."),
    ("substance-use", "Substance use", "Alcohol and drugs."),
    ("eating", "Eating difficulties", "Worries about food, eating or weight."),
    ("bereavement", "Bereavement", "Grief after someone has died."),
    ("physical-activity", "Physical activity", "Getting active for wellbeing."),
    ("peer-support", "Peer support", "Support from people with lived experience."),
    ("crisis", "Crisis", "Urgent help when things feel too much."),
    ("psychosis", "Psychosis", "Hearing or seeing things others do not, or unusual beliefs."),
    ("trauma", "Trauma", "After frightening or distressing events."),
    ("perinatal", "Pregnancy and new parents", "Mental health in pregnancy and after birth."),
    ("memory", "Memory and dementia", "Memory problems and dementia."),
    ("self-harm", "Self-harm", "Hurting yourself to cope."),
    ("sleep", "Sleep", "Trouble sleeping."),
    ("learning", "Courses and learning", "Courses about recovery and wellbeing."),
)


@dataclass(frozen=True)
class _Offer:
    name: str
    description: str
    needs: tuple[str, ...]
    self_referral: float  # the chance a service of this kind takes self-referrals
    ages: str = "adult"  # adult, young, older, all
    how_to_refer: str = "Refer by email with the person's consent, their needs and contact details."
    crisis: bool = False


_TRUST_OFFERS = (
    _Offer(
        "NHS Talking Therapies",
        "Talking therapies such as cognitive behavioural therapy "
        "(CBT) and counselling for depression and anxiety, one to one, in groups or online.",
        ("low-mood", "anxiety", "sleep"),
        1.0,
        how_to_refer="People can refer themselves online. Staff can refer through the "
        "Alongside referral form; include PHQ-9 and GAD-7 scores if known.",
    ),
    _Offer(
        "Community Mental Health Team",
        "Care and treatment from nurses, social workers, "
        "psychologists and psychiatrists for adults with severe mental illness.",
        ("psychosis", "self-harm", "trauma"),
        0.0,
        how_to_refer="Refer through the Alongside referral form; the locality triage "
        "coordinator answers within 2 working days.",
    ),
    _Offer(
        "Early Intervention in Psychosis",
        "Support for people experiencing a first episode of psychosis, and their families.",
        ("psychosis",),
        0.5,
        "young",
        how_to_refer="Referral from any professional; families may call the team directly.",
    ),
    _Offer(
        "Crisis Resolution and Home Treatment",
        "Urgent assessment and intensive support at home as an alternative to hospital.",
        ("crisis", "self-harm"),
        0.0,
        crisis=True,
        how_to_refer="Phone the crisis line at any time; give the person's NHS number.",
    ),
    _Offer(
        "Older Adults Memory Service",
        "Assessment and support for memory problems and dementia.",
        ("memory",),
        0.0,
        "older",
        how_to_refer="GP referral with recent blood tests and a cognitive screen.",
    ),
    _Offer(
        "Community Eating Disorders Service",
        "Assessment and treatment for eating disorders.",
        ("eating",),
        0.0,
        how_to_refer="GP referral with weight, BMI and blood results.",
    ),
    _Offer(
        "Perinatal Mental Health Team",
        "Support for mental health in pregnancy and the first year after birth.",
        ("perinatal", "low-mood", "anxiety"),
        0.0,
        how_to_refer="Referral from a midwife, health visitor or GP.",
    ),
)
_COUNCIL_OFFERS = (
    _Offer(
        "Housing Options",
        "Advice if you are homeless or at risk of losing your home.",
        ("housing", "debt-money"),
        1.0,
        how_to_refer="Duty to refer: use the council's form.",
    ),
    _Offer(
        "Employment Support",
        "Individual placement and support to find and keep work.",
        ("employment",),
        0.6,
        how_to_refer="Refer by email; the person must want to work.",
    ),
    _Offer(
        "Adult Social Care Mental Health",
        "Care Act assessments and support plans.",
        ("carers", "housing"),
        0.3,
        how_to_refer="Phone the duty social worker.",
    ),
)
_PUBLIC_HEALTH_OFFERS = (
    _Offer(
        "Drug and Alcohol Service",
        "Confidential help to cut down or stop drinking or using drugs.",
        ("substance-use",),
        1.0,
        how_to_refer="Self-referral or professional form.",
    ),
    _Offer(
        "Suicide Bereavement Support",
        "Support for anyone bereaved by suicide.",
        ("bereavement", "crisis"),
        1.0,
        how_to_refer="Refer by phone with consent.",
    ),
    _Offer(
        "Healthy Lifestyles",
        "Help to get active, sleep better and feel well.",
        ("physical-activity", "sleep"),
        1.0,
    ),
)
_PCN_OFFERS = (
    _Offer(
        "Social Prescribing",
        "A link worker helps you find local groups and activities that support your wellbeing.",
        ("loneliness", "physical-activity", "debt-money"),
        0.3,
        how_to_refer="Any practice staff can refer through the clinical system.",
    ),
    _Offer(
        "Primary Care Mental Health Practitioner",
        "Assessment and short-term support at your GP practice.",
        ("low-mood", "anxiety"),
        0.0,
        how_to_refer="Book through the practice reception.",
    ),
)
_VCSE_OFFERS: dict[str, tuple[_Offer, ...]] = {
    "Wellspring Wyvern": (
        _Offer(
            "Community Counselling",
            "Low-cost counselling with trained volunteer counsellors.",
            ("low-mood", "anxiety", "bereavement"),
            0.8,
        ),
        _Offer(
            "Wellbeing Drop-in",
            "A friendly drop-in with tea, a chat and someone to listen.",
            ("loneliness", "low-mood"),
            1.0,
            "all",
        ),
        _Offer(
            "Safe Haven",
            "An evening and weekend place to go when things feel too much.",
            ("crisis", "self-harm"),
            1.0,
        ),
    ),
    "Kindred Peer Support": (
        _Offer(
            "Peer Support Group",
            "Weekly groups led by people with lived experience.",
            ("peer-support", "loneliness"),
            1.0,
        ),
        _Offer(
            "Hearing Voices Group",
            "A peer group for people who hear voices.",
            ("psychosis", "peer-support"),
            1.0,
        ),
    ),
    "Clearpath Money Advice": (
        _Offer(
            "Debt Advice",
            "Free, confidential debt and benefits advice.",
            ("debt-money",),
            1.0,
            how_to_refer="Refer with consent; flag any court dates.",
        ),
        _Offer(
            "Benefits Help", "Help to claim and appeal benefits.", ("debt-money", "employment"), 1.0
        ),
    ),
    "Wyvern Carers Hub": (
        _Offer(
            "Carers Support",
            "Information, breaks and groups for unpaid carers.",
            ("carers",),
            1.0,
            "all",
        ),
        _Offer(
            "Young Carers Group",
            "Activities and support for young carers.",
            ("carers", "loneliness"),
            1.0,
            "young",
        ),
    ),
    "Hearthstone Housing Trust": (
        _Offer(
            "Tenancy Sustainment",
            "Help to keep your home when your mental health is poor.",
            ("housing", "debt-money"),
            0.2,
        ),
    ),
    "Saathi Wyvern Community Association": (
        _Offer(
            "Saathi Wellbeing Circle",
            "A wellbeing group for South Asian women, in Urdu, Punjabi and English.",
            ("loneliness", "low-mood"),
            1.0,
        ),
        _Offer("Saathi Carers Group", "Support for South Asian carers.", ("carers",), 1.0),
    ),
    "Wyvern Recovery College": (
        _Offer(
            "Recovery College Courses",
            "Free courses about mental health and recovery, "
            "co-produced with people with lived experience.",
            ("learning", "peer-support"),
            1.0,
        ),
    ),
    "Stride Active Wellbeing": (
        _Offer(
            "Walk and Talk",
            "Gentle group walks with a chance to talk.",
            ("physical-activity", "loneliness"),
            1.0,
            "all",
        ),
        _Offer(
            "Active Minds Football",
            "Friendly football for mental health.",
            ("physical-activity", "peer-support"),
            1.0,
        ),
    ),
}
_WEEKLY = (  # (days, opens, closes, weight)
    ("MO,TU,WE,TH,FR", dt.time(9), dt.time(17), 5),
    ("MO,TH", dt.time(10), dt.time(18), 2),
    ("TU,WE", dt.time(9, 30), dt.time(16, 30), 2),
    ("TU", dt.time(18), dt.time(20, 30), 1),
    ("TH", dt.time(18, 30), dt.time(21), 1),
    ("SA", dt.time(10), dt.time(13), 1),
    ("SU", dt.time(11), dt.time(15), 1),
    ("WE", dt.time(13), dt.time(16), 1),
)
_AGES = {"adult": (18, None), "young": (16, 25), "older": (65, None), "all": (None, None)}
_EXTRA_LANGUAGES = (
    ("Urdu", "ur"),
    ("Punjabi", "pa"),
    ("Polish", "pl"),
    ("Bengali", "bn"),
    ("Romanian", "ro"),
    ("Arabic", "ar"),
    ("British Sign Language", "bfi"),
)
_ACCESSIBILITY = (
    "Step-free access",
    "Accessible toilet",
    "Hearing loop",
    "Quiet room available",
    "Parking for blue badge holders",
)
_VENUES = ("Community Centre", "Health Centre", "Library", "Hub", "Church Hall", "Wellbeing Centre")


def service_count(people: int) -> int:
    """About 150 services at demo scale and 1,500 at county scale, in proportion between."""
    if people <= DEMO_PEOPLE:
        return max(20, round(DEMO_SERVICES * people / DEMO_PEOPLE))
    share = min(1.0, (people - DEMO_PEOPLE) / (COUNTY_PEOPLE - DEMO_PEOPLE))
    return round(DEMO_SERVICES + (COUNTY_SERVICES - DEMO_SERVICES) * share)


def build_directory(builder: PlaceBuilder) -> None:
    rng: random.Random = builder.rng("directory")
    total = service_count(builder.people)
    builder.progress.start("Service directory", total)

    taxonomy = Taxonomy.objects.create(
        name=TAXONOMY_NAME,
        description="What people ask for help with, for finding community mental health support.",
        uri=TAXONOMY_URI,
        version="1",
    )
    terms = {
        code: TaxonomyTerm(
            taxonomy=taxonomy, code=code, name=name, description=description, language="en"
        )
        for code, name, description in NEEDS
    }
    TaxonomyTerm.objects.bulk_create(terms.values())

    organisations = builder.organisations
    templates = [data.TRUST, data.COUNCIL, data.PUBLIC_HEALTH, *data.VCSE_ORGANISATIONS]
    directory_orgs: dict[str, DirectoryOrganization] = {}
    for template in templates:
        org = organisations[template.name]
        directory_orgs[template.name] = DirectoryOrganization(
            organisation=org,
            name=org.name,
            description=template.description or org.name,
            website=org.website,
            email=f"info@{template.domain}{data.DOMAIN_SUFFIX}",
        )
    pcn_orgs: dict[int, DirectoryOrganization] = {}
    for index, place in enumerate(builder.areas):
        pcn = place.practices[0].parent if place.practices else None
        if pcn is not None:
            pcn_orgs[index] = DirectoryOrganization(
                organisation=pcn,
                name=pcn.name,
                description=f"GP practices of {place.area.name}.",
                website=pcn.website,
                email=f"{slugify(place.area.name)}-pcn@nhs{data.DOMAIN_SUFFIX}",
            )
    DirectoryOrganization.objects.bulk_create([*directory_orgs.values(), *pcn_orgs.values()])

    # Who offers what: the VCSE alliance about half, the NHS (trust and PCNs) about a third.
    offers: list[tuple[str, _Offer]] = []
    offers += [(data.TRUST.name, o) for o in _TRUST_OFFERS]
    offers += [(data.COUNCIL.name, o) for o in _COUNCIL_OFFERS]
    offers += [(data.PUBLIC_HEALTH.name, o) for o in _PUBLIC_HEALTH_OFFERS]
    offers += [("pcn", o) for o in _PCN_OFFERS]
    for name, own in _VCSE_OFFERS.items():
        offers += [(name, o) for o in own]
    weights = [
        2.0 if owner in _VCSE_OFFERS else 1.5 if owner == "pcn" else 1.0 for owner, _ in offers
    ]

    coordinates = dict(
        (code, (lat, lon))
        for code, lat, lon in Postcode.objects.filter(
            postcode__regex=rf"^{data.POSTCODE_AREA}[0-9]"
        ).values_list("postcode", "latitude", "longitude")
    )
    needs_weights = None  # all extra needs equally likely
    codes = list(terms)
    names_used: Counter[str] = Counter()
    services, locations, addresses, links, schedules = [], [], [], [], []
    phones, languages, access, service_terms, service_localities = [], [], [], [], []
    for n in range(total):
        owner, offer = rng.choices(offers, weights=weights)[0]
        area_index = rng.randrange(len(builder.areas))
        place = builder.areas[area_index]
        organisation = pcn_orgs.get(area_index) if owner == "pcn" else directory_orgs[owner]
        if organisation is None:
            organisation = directory_orgs[data.TRUST.name]
        locality = builder.localities[place.locality_index]
        # A second group of the same kind in an area is named for its venue, as they often are.
        venue_name = f"{rng.choice(data.GP_PRACTICE_NAMES)} {rng.choice(_VENUES)}"
        name = f"{offer.name}, {place.area.name}"
        names_used[name] += 1
        if names_used[name] > 1:
            name = f"{offer.name}, {venue_name}, {place.area.name}"
            names_used[name] += 1
            if names_used[name] > 1:
                name = f"{name} ({names_used[name]})"
        domain = _domain(owner, place.area.name)
        slug = slugify(name)[:60]
        ages = offer.ages
        if ages == "adult":  # most services are for adults; some run groups for an age band
            ages = rng.choices(["adult", "young", "older", "all"], weights=[74, 10, 10, 6])[0]
        low, high = _AGES[ages]
        reviewed = builder.as_of - dt.timedelta(days=rng.randint(0, 548))
        service = Service(
            organization=organisation,
            name=name,
            description=offer.description,
            url=f"https://{domain}{data.DOMAIN_SUFFIX}/services/{slug}/",
            email=f"{slugify(offer.name)}@{domain}{data.DOMAIN_SUFFIX}",
            eligibility_description=_eligibility(ages, locality.name),
            minimum_age=low,
            maximum_age=high,
            accepts_self_referral=rng.random() < offer.self_referral,
            how_to_refer=offer.how_to_refer,
            last_reviewed_on=reviewed,
            last_modified=dt.datetime.combine(reviewed, dt.time(10), tzinfo=_LONDON),
            fees_description="Free",
        )
        services.append(service)
        postcode = rng.choice(place.postcodes)[0]
        latitude, longitude = coordinates[postcode]
        location = Location(
            organization=organisation,
            name=venue_name,
            latitude=latitude,
            longitude=longitude,
            locality=locality,
        )
        locations.append(location)
        street = f"{rng.choice(data.STREET_NAMES)} {rng.choice(data.STREET_KINDS)}"
        addresses.append(
            Address(
                location=location,
                address_1=f"{rng.randint(1, 120)} {street}",
                city=place.area.name,
                state_province="Wyvern",
                postal_code=postcode,
            )
        )
        links.append(ServiceAtLocation(service=service, location=location))
        service_localities.append(Service.localities.through(service=service, locality=locality))
        if offer.crisis:
            schedules.append(
                Schedule(
                    service=service,
                    freq="WEEKLY",
                    byday="MO,TU,WE,TH,FR,SA,SU",
                    opens_at=dt.time(0),
                    closes_at=dt.time(23, 59),
                )
            )
        else:
            patterns = rng.choices(_WEEKLY, weights=[w for *_, w in _WEEKLY], k=rng.randint(1, 2))
            for days, opens, closes, _ in dict.fromkeys(patterns):
                schedules.append(
                    Schedule(
                        service=service, freq="WEEKLY", byday=days, opens_at=opens, closes_at=closes
                    )
                )
        phones.append(Phone(service=service, number=f"01632 960{n % 1000:03d}", type="voice"))
        if owner in _VCSE_OFFERS and rng.random() < 0.3:
            phones.append(
                Phone(
                    service=service,
                    number=f"07700 900{rng.randrange(1000):03d}",
                    type="text",
                    description="Text or WhatsApp",
                )
            )
        languages.append(Language(service=service, name="English", code="en"))
        extra = 0.8 if owner == "Saathi Wyvern Community Association" else 0.2
        if rng.random() < extra:
            for lang, code in rng.sample(_EXTRA_LANGUAGES, rng.randint(1, 2)):
                languages.append(Language(service=service, name=lang, code=code))
        if rng.random() < 0.6:
            for note in rng.sample(_ACCESSIBILITY, rng.randint(1, 3)):
                access.append(Accessibility(location=location, description=note))
        chosen = list(offer.needs[: rng.randint(1, min(2, len(offer.needs)))])
        if rng.random() < 0.3:
            chosen.append(rng.choice(codes))
        for code in dict.fromkeys(chosen):
            service_terms.append(ServiceTerm(service=service, taxonomy_term=terms[code]))
        builder.progress.advance(1)
    del needs_weights

    Service.objects.bulk_create(services, batch_size=BATCH_SIZE)
    Location.objects.bulk_create(locations, batch_size=BATCH_SIZE)
    Address.objects.bulk_create(addresses, batch_size=BATCH_SIZE)
    ServiceAtLocation.objects.bulk_create(links, batch_size=BATCH_SIZE)
    Service.localities.through.objects.bulk_create(service_localities, batch_size=BATCH_SIZE)
    Schedule.objects.bulk_create(schedules, batch_size=BATCH_SIZE)
    Phone.objects.bulk_create(phones, batch_size=BATCH_SIZE)
    Language.objects.bulk_create(languages, batch_size=BATCH_SIZE)
    Accessibility.objects.bulk_create(access, batch_size=BATCH_SIZE)
    ServiceTerm.objects.bulk_create(service_terms, batch_size=BATCH_SIZE)
    builder.counts["directory_organisations"] = len(directory_orgs) + len(pcn_orgs)
    builder.counts["needs_terms"] = len(terms)
    builder.counts["services"] = len(services)


def _domain(owner: str, area: str) -> str:
    if owner == "pcn":
        return f"{slugify(area)}-pcn"
    for template in (data.TRUST, data.COUNCIL, data.PUBLIC_HEALTH, *data.VCSE_ORGANISATIONS):
        if template.name == owner:
            return template.domain
    return "alongside"


def _eligibility(ages: str, locality: str) -> str:
    who = {
        "adult": "Adults",
        "young": "Young people",
        "older": "Older adults",
        "all": "Anyone",
    }[ages]
    return f"{who} living or registered with a GP in {locality} or nearby."


def flush_directory() -> dict[str, int]:
    """Delete the demo's directory: the services of organisations under ``.example``, their
    locations, the organisations, and the needs taxonomy once no service uses it."""
    organisations = DirectoryOrganization.objects.filter(website__endswith=f"{data.DOMAIN_SUFFIX}/")
    deleted = {
        "services": Service.objects.filter(organization__in=organisations)
        .delete()[1]
        .get("directory.Service", 0)
    }
    Location.objects.filter(organization__in=organisations).delete()
    deleted["directory_organisations"] = organisations.delete()[1].get(
        "directory.DirectoryOrganization", 0
    )
    taxonomies = Taxonomy.objects.filter(uri=TAXONOMY_URI)
    if not ServiceTerm.objects.filter(taxonomy_term__taxonomy__in=taxonomies).exists():
        TaxonomyTerm.objects.filter(taxonomy__in=taxonomies).delete()
        taxonomies.delete()
    return deleted
