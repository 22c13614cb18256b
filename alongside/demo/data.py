"""The made-up county of Wyvern: its places, organisations, names and population shares.

Everything here is invented. Wyvern, its towns, its organisations and its postcode area (``WY``,
which Royal Mail does not use) do not exist; names are drawn at random from modest lists, so a
generated person is never a real one. The shares that shape the population are stated beside the
figures they come from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from alongside.organisations.models import Role, TeamType

PLACE_NAME = "Wyvern"

# Markers by which ``alongside demo --flush`` finds what the generator made.
LOCALITY_CODE_PREFIX = "wyvern-"
POSTCODE_AREA = "WY"  # valid in shape, not a real postcode area
DOMAIN_SUFFIX = ".example"  # reserved top-level domain (RFC 2606): no real mailbox or website

# Synthetic ODS code prefixes. Real trust codes are three characters; real GP practice codes
# are a letter and five digits, PCN codes 'U' and five digits. The 9s keep clear of issued codes.
TRUST_ODS_CODE = "R9W"
GP_PRACTICE_ODS_PREFIX = "Y99"
PCN_ODS_PREFIX = "U99"

# A plausible box in the English Midlands around the county's made-up centre.
COUNTY_CENTRE = (52.33, -2.42)


# --- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """A town or district within a locality: one postcode district and one PCN."""

    name: str
    district: int  # the number after the postcode area: WY<district>
    offset: tuple[float, float]  # from the locality's centre, in degrees


@dataclass(frozen=True)
class LocalityTemplate:
    code: str
    name: str
    offset: tuple[float, float]  # from the county centre, in degrees
    population_share: float
    # Share of small areas in each IMD decile, 1 (most deprived) to 10.
    deprivation: tuple[int, int, int, int, int, int, int, int, int, int]
    # How much more likely a person from a minority ethnic group lives here than the base share.
    diversity: float
    areas: tuple[Area, Area, Area]


# The first locality is the demo's home: the fixed sign-ins work in its team.
LOCALITIES: tuple[LocalityTemplate, ...] = (
    LocalityTemplate(
        code="wyvern-central",
        name="Wyvern Central",
        offset=(0.0, 0.0),
        population_share=0.30,
        deprivation=(18, 16, 13, 11, 9, 8, 8, 7, 6, 4),
        diversity=3.0,
        areas=(
            Area("Wyvernbridge", 1, (0.0, 0.0)),
            Area("Castlegate", 2, (0.025, 0.04)),
            Area("St Aldric's", 3, (-0.02, -0.035)),
        ),
    ),
    LocalityTemplate(
        code="wyvern-north",
        name="Wyvern North",
        offset=(0.14, 0.03),
        population_share=0.26,
        deprivation=(14, 14, 13, 12, 11, 10, 8, 7, 6, 5),
        diversity=1.5,
        areas=(
            Area("Hallowmere", 4, (0.0, 0.0)),
            Area("Coldbrook", 5, (0.04, -0.06)),
            Area("Sallowfield", 6, (-0.03, 0.07)),
        ),
    ),
    LocalityTemplate(
        code="wyvern-south",
        name="Wyvern South",
        offset=(-0.15, 0.05),
        population_share=0.22,
        deprivation=(2, 3, 4, 6, 9, 11, 14, 16, 17, 18),
        diversity=0.6,
        areas=(
            Area("Ashcombe", 7, (0.0, 0.0)),
            Area("Lydmarsh", 8, (-0.05, 0.06)),
            Area("Otterford", 9, (0.03, -0.08)),
        ),
    ),
    LocalityTemplate(
        code="wyvern-west",
        name="Wyvern West",
        offset=(-0.01, -0.25),
        population_share=0.22,
        deprivation=(4, 6, 8, 10, 12, 13, 13, 12, 11, 11),
        diversity=0.5,
        areas=(
            Area("Marcle Cross", 10, (0.0, 0.0)),
            Area("Wenbury", 11, (0.06, -0.05)),
            Area("Clunford", 12, (-0.05, -0.07)),
        ),
    ),
)


# --- organisations and teams ----------------------------------------------------------------


@dataclass(frozen=True)
class StaffPlan:
    """How many people hold each role in a team: (fewest, most) before scaling."""

    team_lead: tuple[int, int] = (1, 1)
    coordinator: tuple[int, int] = (0, 0)
    supervisor: tuple[int, int] = (0, 0)
    practitioner: tuple[int, int] = (0, 0)
    analyst: tuple[int, int] = (0, 0)
    org_admin: tuple[int, int] = (0, 0)
    privacy_lead: tuple[int, int] = (0, 0)
    scales: bool = True  # grows with the number of people (clinical teams do)


@dataclass(frozen=True)
class TeamTemplate:
    name: str
    team_type: str
    staff: StaffPlan
    practitioner_titles: tuple[str, ...] = ("Practitioner",)
    localities: tuple[int, ...] | None = None  # indexes into LOCALITIES; None is all
    county_scale_only: bool = False


@dataclass(frozen=True)
class OrganisationTemplate:
    name: str
    kind: str
    domain: str  # the made-up web and email domain, without DOMAIN_SUFFIX
    teams: tuple[TeamTemplate, ...]
    ods_code: str | None = None
    description: str = ""


CMHT_STAFF = StaffPlan(coordinator=(1, 2), supervisor=(1, 2), practitioner=(8, 12))
CMHT_TITLES = (
    "Community Mental Health Nurse",
    "Community Mental Health Nurse",
    "Community Mental Health Nurse",
    "Social Worker",
    "Occupational Therapist",
    "Clinical Psychologist",
    "Peer Support Worker",
    "Mental Health Support Worker",
    "Consultant Psychiatrist",
    "Pharmacist",
)
SPECIALIST_STAFF = StaffPlan(supervisor=(1, 1), practitioner=(5, 8))


def cmht_name(locality: LocalityTemplate) -> str:
    return f"{locality.name} Community Mental Health Team"


TRUST = OrganisationTemplate(
    name="Wyvern Mental Health NHS Foundation Trust",
    kind="nhs_trust",
    domain="wyvernmh.nhs",
    ods_code=TRUST_ODS_CODE,
    teams=(
        # One integrated community mental health team per locality is added by the generator.
        TeamTemplate(
            "Early Intervention in Psychosis Service",
            TeamType.EARLY_INTERVENTION,
            StaffPlan(coordinator=(1, 1), supervisor=(1, 1), practitioner=(6, 9)),
            ("Care Coordinator", "Community Mental Health Nurse", "Occupational Therapist"),
        ),
        TeamTemplate(
            "Performance and Intelligence",
            TeamType.OTHER,
            StaffPlan(team_lead=(0, 0), analyst=(3, 4), scales=False),
        ),
        TeamTemplate(
            "Clinical Systems",
            TeamType.OTHER,
            StaffPlan(team_lead=(0, 0), org_admin=(2, 2), scales=False),
        ),
        TeamTemplate(
            "Information Governance",
            TeamType.OTHER,
            StaffPlan(team_lead=(0, 0), privacy_lead=(1, 1), scales=False),
        ),
        TeamTemplate(
            "Assertive Outreach Team",
            TeamType.ASSERTIVE_OUTREACH,
            SPECIALIST_STAFF,
            ("Community Mental Health Nurse", "Social Worker", "Support Worker"),
            county_scale_only=True,
        ),
        TeamTemplate(
            "Community Rehabilitation Team",
            TeamType.COMMUNITY_REHABILITATION,
            SPECIALIST_STAFF,
            ("Occupational Therapist", "Rehabilitation Worker", "Community Mental Health Nurse"),
            county_scale_only=True,
        ),
        TeamTemplate(
            "Personality Disorder Service",
            TeamType.PERSONALITY_DISORDER,
            SPECIALIST_STAFF,
            ("Psychological Therapist", "Clinical Psychologist", "Peer Support Worker"),
            county_scale_only=True,
        ),
        TeamTemplate(
            "Individual Placement and Support",
            TeamType.INDIVIDUAL_PLACEMENT_SUPPORT,
            SPECIALIST_STAFF,
            ("Employment Specialist",),
            county_scale_only=True,
        ),
    ),
)

COUNCIL = OrganisationTemplate(
    name="Wyvern County Council",
    kind="local_authority",
    domain="wyvern.gov",
    teams=(
        TeamTemplate(
            "Adult Social Care Mental Health Team",
            TeamType.SOCIAL_CARE,
            StaffPlan(coordinator=(1, 1), supervisor=(1, 1), practitioner=(4, 6)),
            ("Social Worker", "Approved Mental Health Professional", "Social Care Assessor"),
        ),
    ),
)

PUBLIC_HEALTH = OrganisationTemplate(
    name="Public Health Wyvern",
    kind="public_health",
    domain="publichealth.wyvern.gov",
    teams=(
        TeamTemplate(
            "Public Health Intelligence",
            TeamType.PUBLIC_HEALTH,
            StaffPlan(analyst=(2, 3), scales=False),
        ),
    ),
)

ALLIANCE_NAME = "Wyvern Community Wellbeing Alliance"


def _vcse(
    name: str,
    domain: str,
    team: str,
    titles: tuple[str, ...],
    localities: tuple[int, ...] | None,
    description: str,
    *,
    coordinators: int = 0,
) -> OrganisationTemplate:
    staff = StaffPlan(
        coordinator=(coordinators, coordinators), supervisor=(1, 1), practitioner=(3, 6)
    )
    return OrganisationTemplate(
        name=name,
        kind="vcse",
        domain=domain,
        description=description,
        teams=(TeamTemplate(team, TeamType.VCSE_SERVICE, staff, titles, localities),),
    )


# The alliance; the first is its lead and employs the demo Care Partner.
VCSE_ORGANISATIONS: tuple[OrganisationTemplate, ...] = (
    _vcse(
        "Wellspring Wyvern",
        "wellspring-wyvern",
        "Wellspring Care Partners",
        ("Care Partner",),
        None,
        "local mental health charity",
        coordinators=1,
    ),
    _vcse(
        "Kindred Peer Support",
        "kindred-peers",
        "Kindred Peer Support",
        ("Peer Support Worker", "Care Partner"),
        (0, 1),
        "peer-support group run by people with lived experience",
    ),
    _vcse(
        "Clearpath Money Advice",
        "clearpath-advice",
        "Money and Debt Advice",
        ("Money Adviser", "Care Partner"),
        None,
        "debt and benefits advice service",
    ),
    _vcse(
        "Wyvern Carers Hub",
        "wyvern-carers-hub",
        "Carers Support",
        ("Carers Support Worker",),
        None,
        "carers' centre",
    ),
    _vcse(
        "Hearthstone Housing Trust",
        "hearthstone-housing",
        "Tenancy Sustainment",
        ("Tenancy Support Worker", "Care Partner"),
        (0, 1, 3),
        "housing charity",
    ),
    _vcse(
        "Saathi Wyvern Community Association",
        "saathi-wyvern",
        "Saathi Community Wellbeing",
        ("Community Link Worker", "Care Partner"),
        (0, 1),
        "community group for the South Asian community",
    ),
    _vcse(
        "Wyvern Recovery College",
        "wyvern-recovery-college",
        "Recovery College",
        ("Peer Trainer", "Course Tutor"),
        None,
        "recovery college: free courses co-produced with people with lived experience",
    ),
    _vcse(
        "Stride Active Wellbeing",
        "stride-active",
        "Walk and Talk Wellbeing",
        ("Wellbeing Coach", "Activity Coordinator"),
        (0, 2, 3),
        "physical activity and wellbeing charity",
    ),
)

PCN_STAFF = StaffPlan(team_lead=(0, 0), practitioner=(2, 4))
PCN_TITLES = ("Mental Health Practitioner", "Mental Health Practitioner", "Mental Health Nurse")

JOB_TITLES: dict[str, tuple[str, ...]] = {
    Role.TEAM_LEAD: ("Team Manager", "Service Lead"),
    Role.COORDINATOR: ("Triage Coordinator", "Duty and Triage Practitioner"),
    Role.SUPERVISOR: ("Senior Practitioner", "Clinical Lead"),
    Role.ANALYST: ("Analyst", "Senior Analyst", "Information Analyst"),
    Role.ORG_ADMIN: ("Clinical Systems Administrator", "Clinical Systems Manager"),
}

GP_PRACTICE_NAMES = (
    "Riverside",
    "Oakfield",
    "Church Street",
    "Market Square",
    "Elm Tree",
    "Castle View",
    "Park View",
    "The Willows",
    "Beacon",
    "Abbey",
    "Greenway",
    "Station Road",
    "Meadowbank",
    "Highfield",
    "Brookside",
    "Orchard",
    "Lime Tree",
    "Hawthorn",
    "Northgate",
    "Southfields",
    "Cedar House",
    "Mill Lane",
    "Foxley",
    "Larkhill",
)
GP_PRACTICE_KINDS = ("Surgery", "Medical Centre", "Medical Practice", "Health Centre")


# --- population ------------------------------------------------------------------------------

# Shares (per cent) of NHS ethnic category codes, modelled on the 2021 Census for the West
# Midlands region (rounded): White British ~70, other White ~5.5, Mixed ~3, Asian ~13 (with
# Chinese), Black ~4.5, other ~1.5, and 2.5 'not stated' as in a real caseload's records.
ETHNICITY_SHARES: dict[str, float] = {
    "A": 70.0,
    "B": 0.7,
    "C": 4.8,
    "D": 1.3,
    "E": 0.3,
    "F": 0.8,
    "G": 0.6,
    "H": 4.4,
    "J": 4.8,
    "K": 1.1,
    "L": 2.1,
    "M": 1.5,
    "N": 2.4,
    "P": 0.6,
    "R": 0.6,
    "S": 1.5,
    "Z": 2.5,
}

# Stated gender: a community mental health caseload is a little more female than male.
GENDER_SHARES: dict[str, float] = {"2": 55.0, "1": 44.0, "9": 0.3, "X": 0.7}

# Age on the place's date: (youngest, oldest, per cent), skewed to working age like a CMHT caseload.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 24, 14.0),
    (25, 34, 22.0),
    (35, 44, 20.0),
    (45, 54, 18.0),
    (55, 64, 13.0),
    (65, 74, 8.0),
    (75, 90, 5.0),
)

# The county's adult residents (for insights' representation figures): about 480,000 adults, as in
# a mid-sized English shire county. Age and sex shares are modelled on the 2021 Census for
# England's adults (rounded); ethnicity uses ETHNICITY_SHARES (without 'not stated', which the
# census does not have), weighted by each locality's diversity; deprivation follows each
# locality's small areas.
RESIDENT_ADULTS = 480_000
RESIDENT_AGE_SHARES: dict[str, float] = {
    "18 to 24": 11.0,
    "25 to 34": 17.0,
    "35 to 44": 16.0,
    "45 to 54": 17.0,
    "55 to 64": 16.0,
    "65 to 74": 13.0,
    "75 and over": 10.0,
}
RESIDENT_SEX_SHARES: dict[str, float] = {"Female": 51.0, "Male": 49.0}
RESIDENTS_SOURCE = "Synthetic: the demo county's own population model"

NHS_NUMBER_SHARE = 0.70
GP_REGISTERED_SHARE = 0.95
NO_FIXED_ABODE_SHARE = 0.006
CARER_SHARE = 0.20
PHONE_SHARE = 0.88
EMAIL_SHARE = 0.55
PREFERRED_NAME_SHARE = 0.06
COMMUNICATION_NEEDS_SHARE = 0.06
ACCESS_NEEDS_SHARE = 0.05
INTERPRETER_SHARE = 0.55  # of those whose preferred language is not English
BSL_SHARE = 0.003

COMMUNICATION_NEEDS = (
    "Easy read information, please",
    "Large print letters",
    "Uses a hearing loop",
    "Prefers letters and texts to phone calls (anxiety on the phone)",
    "Autistic: needs extra time and clear, literal language",
    "Dyslexic: prefers phone calls to letters",
    "Partially sighted: screen reader friendly emails",
    "Learning disability: needs information explained with pictures",
)
ACCESS_NEEDS = (
    "Wheelchair user: ground-floor rooms only",
    "Step-free access needed",
    "Cannot travel by bus: home visits or video, please",
    "Needs appointments after 10am (medication)",
    "Assistance dog",
    "Needs a quiet waiting area",
)
CARER_RELATIONSHIPS = (
    "Mother",
    "Father",
    "Partner",
    "Wife",
    "Husband",
    "Daughter",
    "Son",
    "Sister",
    "Brother",
    "Friend",
    "Neighbour",
    "Grandmother",
)
STREET_NAMES = (
    "Larkspur",
    "Church",
    "Mill",
    "Station",
    "Victoria",
    "Albert",
    "Chapel",
    "Orchard",
    "Meadow",
    "Foundry",
    "Canal",
    "Kiln",
    "Tanner",
    "Hawthorn",
    "Rowan",
    "Willow",
    "Alder",
    "Beacon",
    "Priory",
    "Castle",
    "Market",
    "Bridge",
    "Forge",
    "Weaver",
    "Brook",
    "Spring",
    "Badger",
    "Kingfisher",
    "Heron",
    "Sandpit",
    "Cherry Tree",
    "Holly",
    "Granary",
    "Quarry",
    "Wharf",
    "Coppice",
)
STREET_KINDS = (
    "Road",
    "Street",
    "Close",
    "Lane",
    "Avenue",
    "Way",
    "Drive",
    "Crescent",
    "Grove",
    "Court",
)
EMAIL_DOMAINS = ("example.com", "example.org")


# --- names -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    languages: tuple[tuple[str, float], ...] = ()  # (language, share of the group)
    # Family names that change with gender, as (masculine ending, feminine ending).
    feminine_endings: tuple[tuple[str, str], ...] = ()

    def family_name_for(self, family: str, *, female: bool) -> str:
        if female:
            for masculine, feminine in self.feminine_endings:
                if family.endswith(masculine):
                    return family[: -len(masculine)] + feminine
        return family


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


BRITISH_FAMILY = _split(
    "Smith, Jones, Williams, Taylor, Brown, Davies, Evans, Wilson, Thomas, Johnson, Roberts, "
    "Robinson, Thompson, Wright, Walker, White, Edwards, Hughes, Green, Hall, Lewis, Harris, "
    "Clarke, Jackson, Wood, Turner, Martin, Cooper, Hill, Ward, Morris, Moore, Clark, King, Baker, "
    "Harrison, Morgan, Allen, James, Scott, Phillips, Watson, Parker, Price, Bennett, Young, "
    "Griffiths, Mitchell, Cook, Carter, Richardson, Bailey, Collins, Bell, Shaw, Miller, Cox, "
    "Richards, Marshall, Webb, Powell, Holmes, Perry, Pritchard, Bowen, Foster, Whitmore, Lloyd"
)

# British given names by generation, so that a 70-year-old is not called Chloe.
BRITISH_BY_GENERATION: dict[str, NamePool] = {
    "older": NamePool(
        female=_split(
            "Margaret, Patricia, Susan, Linda, Janet, Pauline, Christine, Maureen, Barbara, "
            "Carol, Brenda, Jean, Sandra, Elaine, Valerie, Kathleen"
        ),
        male=_split(
            "John, David, Michael, Peter, Robert, Alan, Brian, Keith, Graham, Trevor, Roger, "
            "Colin, Derek, Kenneth, Terence, Malcolm"
        ),
        family=BRITISH_FAMILY,
        languages=(("British Sign Language", 0.003),),
    ),
    "middle": NamePool(
        female=_split(
            "Sarah, Claire, Emma, Rachel, Lisa, Karen, Julie, Helen, Tracey, Amanda, Michelle, "
            "Nicola, Joanne, Kelly, Gemma, Donna, Louise, Samantha"
        ),
        male=_split(
            "Paul, Mark, Andrew, Richard, Stephen, Darren, Lee, Jason, Craig, Neil, Gary, Simon, "
            "Matthew, Christopher, Wayne, Stuart, Dean, Martin"
        ),
        family=BRITISH_FAMILY,
        languages=(("British Sign Language", 0.003),),
    ),
    "younger": NamePool(
        female=_split(
            "Olivia, Amelia, Emily, Sophie, Jessica, Charlotte, Hannah, Lucy, Chloe, Megan, "
            "Ellie, Holly, Bethany, Lauren, Abigail, Georgia, Molly, Katie"
        ),
        male=_split(
            "Jack, Harry, Oliver, Thomas, James, Joshua, Daniel, Samuel, Ryan, Callum, Connor, "
            "Liam, Jake, Lewis, Ethan, Kieran, Jordan, Bradley"
        ),
        family=BRITISH_FAMILY,
        languages=(("British Sign Language", 0.003),),
    ),
}

PREFERRED_NAMES: dict[str, str] = {
    "Margaret": "Maggie",
    "Patricia": "Pat",
    "Susan": "Sue",
    "Christine": "Chris",
    "Kathleen": "Kath",
    "Samantha": "Sam",
    "Nicola": "Nicky",
    "Rebecca": "Becky",
    "Abigail": "Abbie",
    "Jessica": "Jess",
    "Robert": "Bob",
    "Terence": "Terry",
    "Kenneth": "Ken",
    "Michael": "Mike",
    "Christopher": "Chris",
    "Matthew": "Matt",
    "Richard": "Rich",
    "Stephen": "Steve",
    "Samuel": "Sam",
    "Joshua": "Josh",
    "Daniel": "Dan",
    "Jaswinder": "Jas",
    "Oluwaseun": "Seun",
    "Mohammed": "Mo",
    "Katarzyna": "Kasia",
    "Krzysztof": "Kris",
}

NAME_POOLS: dict[str, tuple[NamePool, ...]] = {
    "irish": (
        NamePool(
            female=_split(
                "Siobhan, Niamh, Aoife, Mary, Bridget, Ciara, Orla, Roisin, Deirdre, Sinead, "
                "Maeve, Eileen"
            ),
            male=_split(
                "Sean, Patrick, Declan, Ciaran, Liam, Eoin, Conor, Michael, Padraig, Kieran, "
                "Niall, Fergal"
            ),
            family=_split(
                "Murphy, Kelly, O'Brien, Byrne, Ryan, O'Connor, Walsh, McCarthy, Doyle, "
                "Gallagher, Doherty, Kennedy, Lynch, Quinn, Brennan, Duffy, O'Neill, Fitzgerald"
            ),
        ),
    ),
    "other_white": (
        NamePool(
            female=_split(
                "Agnieszka, Katarzyna, Magdalena, Joanna, Anna, Natalia, Monika, Justyna, Ewa"
            ),
            male=_split("Piotr, Tomasz, Krzysztof, Marcin, Pawel, Mateusz, Grzegorz, Lukasz"),
            family=_split(
                "Kowalski, Nowak, Wisniewski, Wojcik, Kaminski, Lewandowski, Zielinski, "
                "Mazur, Krawczyk, Dabrowski"
            ),
            languages=(("Polish", 0.25),),
            feminine_endings=(("ski", "ska"), ("cki", "cka")),
        ),
        NamePool(
            female=_split("Ioana, Elena, Andreea, Maria, Alexandra, Cristina, Mihaela"),
            male=_split("Andrei, Mihai, Florin, Ionut, Stefan, Bogdan, Adrian"),
            family=_split("Popescu, Ionescu, Stan, Dumitru, Munteanu, Constantin, Georgescu"),
            languages=(("Romanian", 0.22),),
        ),
        NamePool(
            female=_split("Ieva, Rasa, Kristina, Laura, Egle, Liga, Inga"),
            male=_split("Jonas, Tomas, Mantas, Darius, Andris, Janis, Martynas"),
            family=_split("Kazlauskas, Petrauskas, Jankauskas, Berzins, Kalnins, Ozols"),
            languages=(("Lithuanian", 0.2), ("Latvian", 0.05)),
            feminine_endings=(("as", "iene"), ("s", "a")),
        ),
        NamePool(
            female=_split("Giulia, Ana, Sofia, Beatriz, Chiara, Ines, Marta"),
            male=_split("Marco, Joao, Luca, Pedro, Alessandro, Tiago, Rui"),
            family=_split("Rossi, Bianchi, Silva, Santos, Ferreira, Costa, Romano, Oliveira"),
            languages=(("Portuguese", 0.06), ("Italian", 0.03)),
        ),
    ),
    "indian": (
        NamePool(
            female=_split(
                "Harpreet, Manjit, Jaspreet, Rupinder, Simran, Kiran, Gurpreet, Navdeep, Amrit"
            ),
            male=_split(
                "Harjit, Gurpreet, Amarjit, Jaswinder, Kuldip, Sukhdev, Balwinder, Harvinder"
            ),
            family=_split("Singh, Gill, Sandhu, Sidhu, Dhillon, Bains, Johal, Virdi, Sangha"),
            languages=(("Punjabi", 0.1),),
        ),
        NamePool(
            female=_split("Priya, Sunita, Anjali, Neha, Pooja, Meena, Hema, Divya, Asha, Nisha"),
            male=_split("Rajesh, Sanjay, Sunil, Vikram, Arjun, Rohan, Ravi, Anil, Deepak, Manish"),
            family=_split(
                "Patel, Sharma, Mistry, Parmar, Chauhan, Shah, Joshi, Mehta, Kumar, Lad, Solanki"
            ),
            languages=(("Gujarati", 0.1), ("Hindi", 0.02)),
        ),
    ),
    "pakistani": (
        NamePool(
            female=_split(
                "Ayesha, Fatima, Nadia, Sana, Zainab, Amina, Rabia, Shazia, Saima, Nazia, Hina, "
                "Mariam, Iqra, Samina, Bushra"
            ),
            male=_split(
                "Mohammed, Imran, Asif, Tariq, Zahid, Adnan, Bilal, Kamran, Shahid, Usman, "
                "Hamza, Faisal, Naveed, Arshad, Zubair"
            ),
            family=_split(
                "Khan, Hussain, Ahmed, Ali, Iqbal, Akhtar, Mahmood, Rashid, Butt, Malik, Shah, "
                "Qureshi, Aslam, Javed, Bashir, Raza, Mirza"
            ),
            languages=(("Urdu", 0.1), ("Pahari-Pothwari", 0.05), ("Punjabi", 0.03)),
        ),
    ),
    "bangladeshi": (
        NamePool(
            female=_split(
                "Fahmida, Nasima, Shirin, Rumana, Taslima, Jahanara, Sultana, Nusrat, Farzana, "
                "Shamima, Rukhsana, Tahmina"
            ),
            male=_split(
                "Abdul, Mizanur, Shahidul, Rafiq, Jamal, Anwar, Habib, Kamal, Saiful, Rashed, "
                "Monir, Shahin"
            ),
            family=_split(
                "Miah, Uddin, Rahman, Islam, Hoque, Choudhury, Ahmed, Hossain, Ali, Karim, "
                "Sarker, Talukder"
            ),
            languages=(("Sylheti", 0.14), ("Bengali", 0.08)),
        ),
    ),
    "other_asian": (
        NamePool(
            female=_split("Tharshini, Nirmala, Kavitha, Thanuja, Vasuki"),
            male=_split("Tharshan, Suresh, Ramesh, Sivakumar, Kajan"),
            family=_split("Sivakumar, Rajendran, Balasubramaniam, Perera, Fernando, Selvarajah"),
            languages=(("Tamil", 0.15),),
        ),
        NamePool(
            female=_split("Sita, Anjana, Sabina, Puja, Srijana"),
            male=_split("Bikash, Prakash, Sanjeev, Dil, Hari"),
            family=_split("Gurung, Thapa, Rai, Limbu, Tamang, Shrestha"),
            languages=(("Nepali", 0.2),),
        ),
        NamePool(
            female=_split("Maria, Jasmine, Mae, Rowena, Cristina"),
            male=_split("Jose, Mark, Rommel, Carlo, Jerome"),
            family=_split("Santos, Reyes, Cruz, Bautista, Garcia, Mendoza"),
            languages=(("Tagalog", 0.05),),
        ),
        NamePool(
            female=_split("Gulalai, Parwana, Freshta, Mursal, Nilofar"),
            male=_split("Ahmad, Farid, Wahid, Naveed, Rahmatullah"),
            family=_split("Karimi, Ahmadzai, Noori, Sultani, Hotak, Stanikzai"),
            languages=(("Pashto", 0.2), ("Dari", 0.15)),
        ),
    ),
    "caribbean": (
        NamePool(
            female=_split(
                "Marcia, Beverley, Sonia, Janice, Paulette, Yvonne, Jasmine, Shanice, Kiara, "
                "Tanisha, Grace, Jade, Leanne, Camille"
            ),
            male=_split(
                "Winston, Delroy, Clive, Leroy, Desmond, Marcus, Tyrone, Andre, Jermaine, Kyle, "
                "Dwayne, Nathan, Elijah, Errol"
            ),
            family=_split(
                "Campbell, Brown, Williams, Thompson, Francis, Grant, Johnson, Henry, Bailey, "
                "Clarke, Reid, Lewis, Edwards, Morrison, Gayle, Stewart, Spencer, Samuels"
            ),
        ),
    ),
    "african": (
        NamePool(
            female=_split(
                "Chioma, Ngozi, Adaeze, Funmilayo, Abena, Ama, Akosua, Blessing, Folake, Efua"
            ),
            male=_split(
                "Chinedu, Emeka, Oluwaseun, Babatunde, Kwame, Kofi, Yaw, Emmanuel, Tunde, Kwabena"
            ),
            family=_split(
                "Okafor, Adeyemi, Okonkwo, Balogun, Oyelaran, Mensah, Asante, Boateng, Owusu, "
                "Nwosu, Adebayo"
            ),
            languages=(("Yoruba", 0.03), ("Twi", 0.03)),
        ),
        NamePool(
            female=_split("Tendai, Rutendo, Nyasha, Precious, Chipo, Thandiwe"),
            male=_split("Tatenda, Tafadzwa, Farai, Tinashe, Blessing, Sipho"),
            family=_split("Moyo, Ncube, Chikwanha, Dube, Sibanda, Mutasa"),
            languages=(("Shona", 0.03),),
        ),
        NamePool(
            female=_split("Hodan, Amran, Faduma, Selam, Hiwet, Sahra"),
            male=_split("Abdi, Mohamed, Yonas, Dawit, Abdirahman, Tesfay"),
            family=_split("Warsame, Farah, Hassan, Tesfaye, Haile, Mekonnen, Jama"),
            languages=(("Somali", 0.25), ("Tigrinya", 0.1)),
        ),
    ),
    "chinese": (
        NamePool(
            female=_split("Mei, Li Na, Xiu Ying, Hui, Wing Yan, Man Yee, Jing, Yan, Ling"),
            male=_split("Wei, Jun, Hao, Ming, Chun Kit, Ka Wai, Jian, Lei, Kwok Wing, Tao"),
            family=_split("Wong, Chan, Li, Zhang, Wang, Chen, Liu, Lam, Cheung, Ng, Lau, Ho"),
            languages=(("Cantonese", 0.15), ("Mandarin", 0.12)),
        ),
    ),
    "other": (
        NamePool(
            female=_split("Layla, Noor, Mariam, Huda, Rana, Yasmin"),
            male=_split("Omar, Khalid, Yousef, Hassan, Karim, Tariq"),
            family=_split("Al-Sayed, Haddad, Nasser, Saleh, Mansour, Hamdan"),
            languages=(("Arabic", 0.3),),
        ),
        NamePool(
            female=_split("Shilan, Berivan, Rojin, Nazdar"),
            male=_split("Rebwar, Aras, Dilshad, Hiwa"),
            family=_split("Rasul, Aziz, Abdullah, Qadir, Hama"),
            languages=(("Kurdish", 0.3),),
        ),
        NamePool(
            female=_split("Shirin, Maryam, Parisa, Nasrin"),
            male=_split("Reza, Dariush, Behrouz, Arash"),
            family=_split("Hosseini, Rahimi, Moradi, Jafari, Rostami"),
            languages=(("Farsi", 0.3),),
        ),
    ),
}

# Where a person's names come from, by ethnic category: one heritage, or two for Mixed.
ETHNICITY_HERITAGE: dict[str, tuple[str, ...]] = {
    "A": ("british",),
    "B": ("irish",),
    "C": ("other_white",),
    "D": ("british", "caribbean"),
    "E": ("british", "african"),
    "F": ("british", "indian", "pakistani"),
    "G": ("british", "other_white", "chinese", "other", "other_asian"),
    "H": ("indian",),
    "J": ("pakistani",),
    "K": ("bangladeshi",),
    "L": ("other_asian",),
    "M": ("caribbean",),
    "N": ("african",),
    "P": ("caribbean", "african"),
    "R": ("chinese",),
    "S": ("other",),
}

# Staff heritage shares (per cent): the NHS and VCSE workforce in the Midlands is more diverse
# than the population it serves.
STAFF_HERITAGE: dict[str, float] = {
    "british": 68.0,
    "irish": 2.0,
    "other_white": 4.0,
    "indian": 7.0,
    "pakistani": 4.0,
    "bangladeshi": 1.0,
    "other_asian": 4.0,
    "caribbean": 3.0,
    "african": 6.0,
    "chinese": 1.0,
}


# Reasons staff give when they open a record without a usual basis (break-glass).
BREAK_GLASS_REASONS = (
    "Called by A&E: the person is there in crisis and staff need the safety plan now.",
    "Police welfare check out of hours; need to know who to contact and current risks.",
    "Person rang the crisis line and asked us to look at what was agreed with their team.",
)


# --- referrals, first contacts and locality meetings ------------------------------------------

# Referrals over the 18 months before the place's date: about one for every person on the books
# (some people are referred twice or more), a little more each month as demand grows.
REFERRAL_MONTHS = 18
REFERRALS_PER_PERSON = 1.0
REFERRAL_GROWTH = 0.20  # the last month's rate over the first month's, minus one
RE_REFERRAL_SHARE = 0.15  # of referrals, about someone referred before whose referral closed

# Who refers (per cent), close to a community mental health front door's mix.
REFERRAL_SOURCE_SHARES: dict[str, float] = {
    "self": 25.0,
    "gp": 45.0,
    "vcse": 12.0,
    "social_care": 8.0,
    "secondary_care": 7.0,
    "other": 3.0,
}
URGENT_SHARE = 0.15

# The first triage decision (per cent). 'closed' is the person ending it before a decision.
TRIAGE_DECISION_SHARES: dict[str, float] = {
    "accept": 55.0,
    "signpost": 25.0,
    "mark_for_meeting": 12.0,
    "decline": 6.0,
    "close": 2.0,
}
# Where accepted referrals go (per cent): the locality's CMHT or PCN team mostly.
ACCEPTED_TEAM_SHARES: dict[str, float] = {
    "cmht": 50.0,
    "pcn": 30.0,
    "vcse": 9.0,
    "specialist": 7.0,
    "social_care": 4.0,
}
# What the person said when a follow-up checked that they connected (per cent).
FOLLOW_UP_SHARES: dict[str, float] = {
    "connected": 75.0,
    "not_connected": 10.0,
    "not_wanted": 10.0,
    "no_reply": 5.0,
}
# The locality meeting's decision on a referral (per cent).
MEETING_DECISION_SHARES: dict[str, float] = {
    "allocate": 45.0,
    "joint_offer": 25.0,
    "signpost": 20.0,
    "more_information": 10.0,
}
# How contacts turn out (per cent), and how people are seen.
CONTACT_OUTCOME_SHARES: dict[str, float] = {
    "attended": 80.0,
    "did_not_attend": 12.0,
    "cancelled_by_person": 5.0,
    "cancelled_by_service": 3.0,
}
CONTACT_MODE_SHARES: dict[str, float] = {
    "face_to_face": 56.0,
    "phone": 24.0,
    "video": 15.0,
    "text": 5.0,
}
# Why accepted referrals close when the episode of care ends (MHSDS ReferClosReason).
DISCHARGE_SHARES: dict[str, float] = {"02": 82.0, "08": 7.0, "07": 4.0, "03": 4.0, "01": 3.0}
# Why a person ends a referral before a decision (only these are allowed then).
PERSON_LED_CLOSURE_SHARES: dict[str, float] = {"07": 60.0, "09": 25.0, "03": 15.0}

# Needs a referral asks about (weights): the first is the main one.
REFERRAL_NEED_WEIGHTS: dict[str, float] = {
    "low-mood": 22,
    "anxiety": 20,
    "trauma": 6,
    "self-harm": 6,
    "loneliness": 6,
    "psychosis": 5,
    "substance-use": 5,
    "debt-money": 5,
    "housing": 5,
    "bereavement": 4,
    "employment": 3,
    "crisis": 3,
    "eating": 2,
    "perinatal": 2,
    "memory": 2,
    "sleep": 2,
    "carers": 2,
}
# Needs that often come along with the main one.
SOCIAL_NEEDS = ("loneliness", "debt-money", "housing", "employment", "sleep", "peer-support")

# What referrers write, by the main need.
#: The main reason for referral (MHSDS PrimReasonReferralMH) a referral's first need gives.
REASON_FOR_NEED: dict[str, str] = {
    "low-mood": "04",
    "anxiety": "05",
    "trauma": "11",
    "self-harm": "15",
    "loneliness": "19",
    "psychosis": "02",
    "substance-use": "09",
    "debt-money": "05",
    "housing": "05",
    "bereavement": "04",
    "employment": "31",
    "crisis": "18",
    "eating": "12",
    "perinatal": "13",
    "memory": "08",
    "sleep": "05",
    "carers": "19",
}

REFERRAL_CONCERNS: dict[str, tuple[str, ...]] = {
    "low-mood": (
        "Low mood for several months, struggling to get out of the house.",
        "Feeling down most days since losing their job; not enjoying anything any more.",
        "Tearful and withdrawn; has stopped seeing friends and is sleeping a lot.",
    ),
    "anxiety": (
        "Panic attacks several times a week; avoiding buses and shops.",
        "Constant worry that is stopping them working; antidepressant has not helped much.",
        "Anxiety getting worse since a health scare; checking and reassurance-seeking.",
    ),
    "trauma": (
        "Flashbacks and nightmares after an assault last year.",
        "Difficult childhood experiences coming back since becoming a parent.",
    ),
    "self-harm": (
        "Cutting again after two years without; says it is the only thing that helps.",
        "Self-harm increasing; no current plan to end their life but feels hopeless at times.",
    ),
    "loneliness": (
        "Lives alone since their partner died; low and isolated.",
        "Moved to the area recently, knows nobody, and says the days are very long.",
    ),
    "psychosis": (
        "Hearing voices that comment on what they do; family worried about changes in them.",
        "Believes neighbours are watching them; not sleeping; stopped going to work.",
    ),
    "substance-use": (
        "Drinking most days to cope with low mood; wants to cut down.",
        "Cannabis use most days; mood swings and paranoia when not using.",
    ),
    "debt-money": (
        "Debts and a benefits sanction are making their anxiety much worse.",
        "Rent arrears and bailiff letters; not opening post; very low.",
    ),
    "housing": (
        "Sofa-surfing since a relationship ended; mental health getting worse.",
        "Eviction notice for rent arrears; struggling to cope.",
    ),
    "bereavement": (
        "Their brother died by suicide in the spring; struggling to function.",
        "Grief after their mother's death has not eased; not sleeping or eating well.",
    ),
    "employment": (
        "Off work with stress for three months; worried about losing the job.",
        "Wants to get back into work after a long period of illness.",
    ),
    "crisis": (
        "Seen in A&E after an overdose; discharged home and needs follow-up.",
        "Called the crisis line twice this week; feels unable to keep themself safe at times.",
    ),
    "eating": (
        "Restricting food and losing weight quickly; GP concerned about bloods.",
        "Bingeing and purging several times a week.",
    ),
    "perinatal": (
        "Low and anxious since the baby was born four months ago.",
        "Pregnant and very anxious; history of depression after the first baby.",
    ),
    "memory": (
        "Family noticing memory problems and confusion over the last year.",
        "Getting lost on familiar routes; low mood and withdrawing.",
    ),
    "sleep": ("Not sleeping for weeks; exhausted and irritable; mood dropping.",),
    "carers": ("Caring full time for their husband with dementia; exhausted and low.",),
}
WHAT_WOULD_HELP = (
    "Someone to talk to regularly.",
    "Help to get back out of the house.",
    "Talking therapy, and help with the debts.",
    "A review of medication and some support.",
    "To understand what is happening to them.",
    "Meeting other people who have been through the same.",
    "Help with money and housing so they can focus on getting well.",
    "",
)
# Who makes an 'other' referral (a member of staff takes it by phone and records it).
OTHER_REFERRERS = (
    "a police officer from the street triage team",
    "a university wellbeing adviser",
    "a housing officer",
    "a community pharmacist",
    "a probation officer",
    "a Jobcentre Plus work coach",
    "the ambulance service",
)
CONTACT_SAFETY = (
    "Please do not call before 10am: works nights.",
    "Do not leave a voicemail: shares the phone with their partner.",
    "Text first, then call.",
    "Letters to a friend's address, please.",
)

# What triage writes.
SIGNPOST_PASSED_ON = (
    "Emailed the referral to {service} with the person's consent, including their needs and "
    "the best times to call.",
    "Phoned {service} and passed on the person's details and what they are hoping for.",
    "Sent a warm handover to {service}: concerns, contact details and the GP's letter.",
)
SIGNPOST_TOLD_PERSON = (
    "Told them {service} will call this week, and to contact us if they do not hear.",
    "Gave them the details of {service} and the name of the person who will meet them.",
    "Explained what {service} offers; they are keen to go along.",
)
DECLINE_TOLD_PERSON = (
    "Explained that {service} is the right place for what they need; we passed on their details "
    "and they agreed.",
    "Offered {service} instead, which they were happy with; we will check they connected.",
)
DECLINE_REASONS: dict[str, tuple[str, ...]] = {
    "02": (
        "Needs are mainly about money and housing: a specialist adviser will help more.",
        "Best met by talking therapies rather than secondary care.",
        "Drinking is the main concern: the drug and alcohol service is the right team.",
    ),
    "03": (
        "Referral did not say what the person is hoping for; they asked to try the community "
        "group first.",
    ),
}
NOT_CONNECTED_NOTES = (
    "The group has a waiting list of two months.",
    "Could not get there: no bus at that time of day.",
    "Went once and felt it was not right for them.",
    "The service could not reach them on the number given.",
    "Needs more support than the service can offer.",
)
FOLLOW_UP_NOTES: dict[str, tuple[str, ...]] = {
    "connected": (
        "Has been to two sessions and is finding them helpful.",
        "In touch with the service; first appointment next week.",
        "Started going weekly.",
    ),
    "not_wanted": (
        "Feeling better and does not want further help now.",
        "Decided it was not for them; knows how to refer again.",
    ),
    "no_reply": ("Three calls and a text, no reply; letter sent with how to get back in touch.",),
}
PERSON_LED_CLOSURE_NOTES: dict[str, tuple[str, ...]] = {
    "07": (
        "Phoned to say things have settled and they no longer want help.",
        "Asked for the referral to be closed: already getting support privately.",
    ),
    "09": ("Said clearly they do not want to be seen; GP informed and knows how to re-refer.",),
    "03": ("Has moved out of the area; GP informed so the new area can be asked.",),
}
MEETING_WHY = (
    "Needs from several organisations: mental health, money and housing.",
    "Not sure whether secondary care or the PCN team is the right lead.",
    "Would benefit from a joint offer with a Care Partner.",
    "Complex picture: substance use and mental health; who leads?",
    "Social care needs alongside mental health: a joint visit?",
)
MEETING_DECISION_NOTES: dict[str, tuple[str, ...]] = {
    "allocate": (
        "Agreed: the team takes the lead; key worker named.",
        "Agreed the lead team; first appointment within two weeks.",
    ),
    "joint_offer": (
        "Joint offer: clinical lead with a Care Partner for day-to-day support.",
        "Joint offer with social care: joint visit arranged.",
    ),
    "signpost": ("Community support is the right offer; warm handover made in the meeting.",),
    "more_information": (
        "Ask the GP for the recent medication review, then decide at triage.",
        "Need to speak to the person about what they want first.",
    ),
}
EPISODE_AGENDA_WHY = (
    "Stepping down: could a Care Partner carry on the support?",
    "Housing crisis: needs social care alongside the team.",
    "Not engaging: ideas from partners?",
)
DISCHARGE_NOTES: dict[str, str] = {
    "01": "Admitted to hospital; the ward team now leads.",
    "02": "Goals met; discharged back to the GP with a relapse plan.",
    "03": "Moved out of the area; handed over to the new team.",
    "05": "Did not attend twice and did not reply to letters; discharged with a way back.",
    "07": "Asked to end support; knows how to come back.",
    "08": "Referred on to a more specialist service.",
}

# The integrated locality meetings: every other week, the same day and time per locality
# (weekday: Monday is 0).
MEETING_INTERVAL_DAYS = 14
MEETING_SLOTS: tuple[tuple[int, dt.time], ...] = (
    (1, dt.time(13, 30)),  # Wyvern Central: Tuesday afternoons
    (2, dt.time(10, 0)),  # Wyvern North: Wednesday mornings
    (3, dt.time(13, 30)),  # Wyvern South: Thursday afternoons
    (1, dt.time(10, 0)),  # Wyvern West: Tuesday mornings
)
MEETING_GUEST_ROLES = ("Housing officer", "Carers' advocate", "Community safety officer")
MEETING_PLACE = "{town} Health Centre, meeting room 2, or join by video"
PERSON_KNOWS = (
    "Knows about the referral and agreed to it; happy to be called.",
    "Agreed to the referral at today's appointment; would prefer a text first.",
    "Talked it through with them; they want help and know someone will call.",
)
