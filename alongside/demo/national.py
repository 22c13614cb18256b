"""``alongside demo --scale national``: a synthetic nation written straight to a research extract.

A national evaluation runs the metrics over a research extract (``alongside.insights.schema``)
on DuckDB or Spark; testing that at the size of a nation needs an extract of about a million
people and twenty million contacts. Loading that many rows into PostgreSQL first (the way
``generator`` builds the county of Wyvern) would take hours, so this module writes the extract's
Parquet files directly, with numpy and pyarrow, and never touches the database.

The nation is ``SITES`` made-up places. The first is Wyvern itself, with the demo's organisation
and team names; the others are invented places built on the same pattern (four localities each,
an NHS trust with a community mental health team per locality and its specialist teams, a
primary care network per locality, the council's social care team and a VCSE alliance). Each
place's localities take the deprivation profiles and ethnic diversity of Wyvern's localities
(``data.LOCALITIES``), tilted per place so that some places are more deprived or more diverse
than others; the people take ``data``'s shares of ethnicity, stated gender and age.

People are made ``CHUNK_PEOPLE`` at a time, each chunk with everything that follows from them
(their referrals, episodes of care, contacts, plans, intensity, key workers, outcome scores and
their voice in their care: who wrote the plan, whose words the goals are in, whether they took
part in decisions, contacts kept to their stated preferences, CollaboRATE), and each chunk is
written as one Parquet part per table (``contacts/part-0003.parquet``) before the next is made,
so memory stays bounded however many people are asked for. Every key
is a random non-negative 63-bit integer, as a site's salted hash looks in a real extract. The
same seed and number of people give exactly the same Parquet files: each chunk draws from its
own generator seeded with (seed, chunk number), and every date counts back from the day the
extract is made as of (``as_of``: today unless given), so the same seed, size and date give the
same files.

What it simplifies, beside the live generator: a contact's team and practitioner, intensity
changes and the number of contacts are drawn per episode rather than played out day by day;
a follow-up that finds a signposted person did not connect closes the referral rather than
returning it to triage; contact preferences and whether they were kept are drawn, not worked
out from the contact's mode and time; co-production reviews and experts by experience's
involvements are drawn per team from a culture drawn once for it (``_coproduction_work``);
there is no free text, no directory, only what the analysis tables hold.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.utils import timezone

from alongside.demo import data
from alongside.demo.generator import DEFAULT_SEED
from alongside.insights import schema
from alongside.insights.engines import MANIFEST
from alongside.insights.extract import write_dictionary

#: People made (and written) at a time: bounds the memory a run needs.
CHUNK_PEOPLE = 100_000
#: Places in the nation, each with four localities.
SITES = 40
#: Adult residents for every person in the extract (a nation of 45 million adults per million
#: people referred over 18 months, about NHS England's scale).
RESIDENTS_PER_PERSON = 45

#: Tables written as one Parquet part per chunk; the rest are small and written once.
CHUNKED = (
    "people",
    "referrals",
    "contacts",
    "episodes",
    "plan_versions",
    "intensity",
    "allocations",
    "scores",
    "goals",
    "meeting_decisions",
    "preference_checks",
    "collaborate",
)

Progress = Callable[[int, int], object]

_DAY = 86_400
_EPOCH = dt.date(1970, 1, 1)
WINDOW_DAYS = round(data.REFERRAL_MONTHS * 365.25 / 12)
_KEY_HIGH = np.iinfo(np.int64).max


class ExtractNotEmpty(Exception):
    """The folder asked for already holds something."""


# --- the nation ----------------------------------------------------------------------------------

_PREFIXES = (
    "Bracken", "Calder", "Dunmar", "Elder", "Fenwy", "Gorse", "Harrow", "Kestrel", "Linden",
    "Marrow", "Nettle", "Orrin", "Pellin", "Quarren", "Rowan", "Sedge", "Thistle", "Umber",
    "Valen", "Willow",
)  # fmt: skip
_SUFFIXES = ("moor", "mere", "wold", "shire")


def site_names() -> list[str]:
    """Wyvern, then 39 other made-up places."""
    names = [data.PLACE_NAME]
    for j in range(SITES - 1):
        names.append(_PREFIXES[j % len(_PREFIXES)] + _SUFFIXES[(j + 2 * (j // 20)) % 4])
    return names


# Team roles: what a team does, which decides its type, organisation and the care it gives.
CMHT, PCN, EIP, AOT, REHAB, PD, IPS, SOCIAL, VCSE, PUBLIC_HEALTH, BACK_OFFICE = range(11)
SPECIALISTS = (EIP, AOT, REHAB, PD, IPS)
_SPECIALIST_SHARE = np.array([35.0, 15.0, 15.0, 20.0, 15.0]) / 100
_TEAM_TYPE = {
    CMHT: "A06", PCN: "A05", EIP: "A14", AOT: "A08", REHAB: "A09", PD: "A16", IPS: "D05",
    SOCIAL: "", VCSE: "", PUBLIC_HEALTH: "", BACK_OFFICE: "",
}  # fmt: skip
_SPECIALIST_NAMES = {
    EIP: "Early Intervention in Psychosis Service",
    AOT: "Assertive Outreach Team",
    REHAB: "Community Rehabilitation Team",
    PD: "Personality Disorder Service",
    IPS: "Individual Placement and Support",
}
#: Episode length by lead team (median days, spread of the log-normal).
_DURATION = {
    CMHT: (170, 0.7), PCN: (90, 0.6), EIP: (400, 0.5), AOT: (350, 0.6), REHAB: (300, 0.6),
    PD: (250, 0.6), IPS: (180, 0.6), SOCIAL: (130, 0.7), VCSE: (100, 0.7),
}  # fmt: skip
#: Starting intensity by lead team (per cent: low, medium, high), as ``care`` has them.
_START_INTENSITY = {
    CMHT: (18, 62, 20), PCN: (40, 55, 5), SOCIAL: (40, 50, 10), VCSE: (30, 62, 8),
    **dict.fromkeys(SPECIALISTS, (15, 55, 30)),
}  # fmt: skip
_URGENT_INTENSITY = (5, 35, 60)
#: Mean days between appointments at low, medium and high intensity (``care.GAP_DAYS``).
_GAP_DAYS = np.array([12.0, 6.0, 3.0])
_LEVELS = ["low", "medium", "high"]
#: Open episodes a key worker is planned to hold.
_CASELOAD = 22
VCSE_TEAMS_PER_SITE = 6

_PROVIDERS = ["NHS", "Primary care", "Local authority", "VCSE"]
_ROLE_PROVIDER = {
    CMHT: 0, EIP: 0, AOT: 0, REHAB: 0, PD: 0, IPS: 0, BACK_OFFICE: 0, PCN: 1, SOCIAL: 2,
    PUBLIC_HEALTH: 2, VCSE: 3,
}  # fmt: skip


@dataclass
class Nation:
    """The fixed parts: places, localities and their small areas, organisations, teams, staff."""

    sites: list[str]
    locality_names: list[str]
    locality_site: np.ndarray
    locality_share: np.ndarray
    deprivation: np.ndarray  # (localities, 10) share of small areas per IMD decile
    ethnicity: np.ndarray  # (localities, codes) residents' shares of ETHNIC_CODES
    lsoa_codes: list[str]
    lsoa_decile: np.ndarray
    lsoa_cum: np.ndarray  # locality index + cumulative weight within the locality
    team_key: np.ndarray
    team_name: list[str]
    team_role: np.ndarray
    team_site: np.ndarray
    organisation_key: np.ndarray
    organisation_name: list[str]
    cmht: np.ndarray  # team index per locality
    pcn: np.ndarray  # team index per locality
    social: np.ndarray  # team index per site
    vcse: np.ndarray  # (sites, VCSE_TEAMS_PER_SITE) team indexes
    specialist: np.ndarray  # (sites, 5) team indexes
    staff_start: np.ndarray  # per team, into staff_key
    staff_count: np.ndarray
    staff_key: np.ndarray
    team_culture: np.ndarray  # how far each team's work is co-produced, 0 to 1
    as_of: dt.date  # the reference date: every date counts back from it

    @property
    def ref_day(self) -> int:
        """The reference date, in days since 1970."""
        return (self.as_of - _EPOCH).days

    @property
    def ref(self) -> int:
        """The reference date's midnight, in seconds (local time, no zone)."""
        return self.ref_day * _DAY

    @property
    def start(self) -> int:
        """The window's first midnight, ``WINDOW_DAYS`` before the reference date, in seconds."""
        return self.ref - WINDOW_DAYS * _DAY

    @property
    def team_provider(self) -> np.ndarray:
        return np.array([_ROLE_PROVIDER[r] for r in self.team_role])

    @property
    def team_type(self) -> list[str]:
        return [_TEAM_TYPE[r] for r in self.team_role]


ETHNIC_CODES = [*data.ETHNICITY_SHARES, "99"]
_ETHNIC_GROUP = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian or Asian British"),
    **dict.fromkeys("MNP", "Black or Black British"),
    **dict.fromkeys("RS", "Other ethnic groups"),
    "Z": "Not stated",
    "99": schema.NOT_KNOWN,
}
#: How much more (or less) likely than residents each ethnic category is to be referred:
#: secondary mental health care sees more Black people and fewer Asian people than live nearby.
_REFERRAL_LIKELIHOOD = {**dict.fromkeys("MNP", 1.3), **dict.fromkeys("HJKL", 0.8)}
_NOT_STATED = {"Z": 2.5, "99": 1.0}  # per cent of people whose records say nothing
#: Adults by age band in the census (per cent), for the residents table.
_RESIDENT_AGES = {
    "18 to 24": 11.0, "25 to 34": 17.0, "35 to 44": 16.5, "45 to 54": 16.5, "55 to 64": 16.0,
    "65 to 74": 12.5, "75 and over": 10.5,
}  # fmt: skip
_RESIDENT_SEXES = {"Female": 51.0, "Male": 49.0}
_LSOAS_PER_LOCALITY = 210  # England has about 33,700 small areas for its 160-odd places
_NO_POSTCODE = 0.015


def _shares(weights: dict[str, float] | tuple[float, ...] | list[float]) -> np.ndarray:
    values = np.array(list(weights.values()) if isinstance(weights, dict) else weights, float)
    return values / values.sum()


def _keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random non-negative 63-bit keys, as a salted hash looks."""
    return rng.integers(1, _KEY_HIGH, size=n, dtype=np.int64)


def build_nation(seed: int, people: int, as_of: dt.date) -> Nation:
    """The nation for ``seed`` as of ``as_of``, with enough key workers for ``people``."""
    rng = np.random.default_rng([seed, 0x4E41])
    sites = site_names()
    templates = data.LOCALITIES
    per_site = len(templates)
    site_size = rng.lognormal(0.0, 0.45, SITES)
    site_tilt = rng.normal(0.0, 0.6, SITES)  # > 0: more deprived than its template
    site_diversity = np.exp(rng.normal(0.0, 0.6, SITES))
    site_diversity[0] = 1.0
    site_tilt[0] = 0.0

    names, loc_site, share, deprivation, ethnicity = [], [], [], [], []
    base = _shares(data.ETHNICITY_SHARES)
    minority = np.array([c not in ("A", "Z") for c in data.ETHNICITY_SHARES])
    deciles = np.arange(1, 11)
    for s, site in enumerate(sites):
        for template in templates:
            suffix = template.name.split(" ", 1)[1]
            names.append(f"{site} {suffix}")
            loc_site.append(s)
            share.append(site_size[s] * template.population_share)
            tilt = np.exp(site_tilt[s] * (5.5 - deciles) / 4.5)
            deprivation.append(_shares(np.array(template.deprivation) * tilt))
            diversity = min(4.0, template.diversity * site_diversity[s])
            residents = np.where(minority, base * diversity, base)
            residents[-1] = 0.0  # 'Z' (not stated) is a record's gap, not a resident's group
            ethnicity.append(np.r_[residents / residents.sum(), 0.0])  # nor is '99
    localities = len(names)
    share_arr = np.array(share) / sum(share)
    deprivation_arr = np.array(deprivation)

    # Small areas: each locality's LSOAs take deciles from its profile; people from more
    # deprived areas are a little more likely to be referred.
    lsoa_loc = np.repeat(np.arange(localities), _LSOAS_PER_LOCALITY)
    cum = deprivation_arr.cumsum(axis=1)
    u = rng.random(lsoa_loc.size)
    lsoa_decile = (u[:, None] > cum[lsoa_loc]).sum(axis=1) + 1
    lsoa_decile = np.minimum(lsoa_decile, 10)
    weight = 1.0 + 0.08 * (10 - lsoa_decile)
    within = np.zeros(lsoa_loc.size)
    for loc in range(localities):
        part = slice(loc * _LSOAS_PER_LOCALITY, (loc + 1) * _LSOAS_PER_LOCALITY)
        within[part] = np.cumsum(weight[part]) / weight[part].sum()
    # Codes above the range England issues (E01000001 to E0103xxxx), so never a real area.
    lsoa_codes = [f"E01{900000 + i:06d}" for i in range(lsoa_loc.size)]

    # Organisations and teams.
    team_name: list[str] = []
    team_role: list[int] = []
    team_site: list[int] = []
    team_org: list[int] = []
    org_name: list[str] = []
    cmht, pcn, social = [], [], []
    vcse = np.zeros((SITES, VCSE_TEAMS_PER_SITE), int)
    specialist = np.zeros((SITES, len(SPECIALISTS)), int)

    def team(name: str, role: int, site: int, org: int) -> int:
        team_name.append(name)
        team_role.append(role)
        team_site.append(site)
        team_org.append(org)
        return len(team_name) - 1

    def organisation(name: str) -> int:
        org_name.append(name)
        return len(org_name) - 1

    for s, site in enumerate(sites):
        trust = organisation(data.TRUST.name.replace(data.PLACE_NAME, site))
        for t in range(per_site):
            locality = names[s * per_site + t]
            cmht.append(team(f"{locality} Community Mental Health Team", CMHT, s, trust))
        for i, role in enumerate(SPECIALISTS):
            specialist[s, i] = team(_SPECIALIST_NAMES[role], role, s, trust)
        team("Performance and Intelligence", BACK_OFFICE, s, trust)
        for t in range(per_site):
            locality = names[s * per_site + t]
            network = organisation(f"{locality} Primary Care Network")
            pcn.append(team(f"{locality} PCN Mental Health Practitioners", PCN, s, network))
        council = organisation(data.COUNCIL.name.replace(data.PLACE_NAME, site))
        social.append(team(data.COUNCIL.teams[0].name, SOCIAL, s, council))
        public_health = organisation(data.PUBLIC_HEALTH.name.replace(data.PLACE_NAME, site))
        team(data.PUBLIC_HEALTH.teams[0].name, PUBLIC_HEALTH, s, public_health)
        chosen = [0, *sorted(rng.choice(np.arange(1, 8), VCSE_TEAMS_PER_SITE - 1, replace=False))]
        for i, which in enumerate(chosen):
            template = data.VCSE_ORGANISATIONS[which]
            name = template.name
            name = name.replace(data.PLACE_NAME, site) if data.PLACE_NAME in name else name
            if s and site not in name:
                name = f"{name} {site}"
            vcse[s, i] = team(template.teams[0].name, VCSE, s, organisation(name))

    teams = len(team_name)
    roles = np.array(team_role)
    sites_of = np.array(team_site)
    org_keys = _keys(rng, len(org_name))

    # Key workers: enough in each team for about ``_CASELOAD`` open episodes each.
    site_share = np.bincount(np.array(loc_site), weights=share_arr, minlength=SITES)
    episodes_open = people * 0.35  # open episodes on the reference date, per person (measured)
    load = np.zeros(teams)
    for loc in range(localities):
        load[cmht[loc]] += share_arr[loc] * 0.50
        load[pcn[loc]] += share_arr[loc] * 0.30 * 0.6
    for s in range(SITES):
        load[social[s]] += site_share[s] * 0.04 * 0.8
        load[vcse[s]] += site_share[s] * (0.09 + 0.05) / VCSE_TEAMS_PER_SITE
        load[specialist[s]] += site_share[s] * 0.07 * _SPECIALIST_SHARE * 1.8
    staff_count = np.maximum(2, np.round(load * episodes_open / _CASELOAD)).astype(int)
    staff_count[np.isin(roles, [PUBLIC_HEALTH, BACK_OFFICE])] = 0
    staff_start = np.concatenate([[0], np.cumsum(staff_count)[:-1]])

    return Nation(
        sites=sites,
        locality_names=names,
        locality_site=np.array(loc_site),
        locality_share=share_arr,
        deprivation=deprivation_arr,
        ethnicity=np.array(ethnicity),
        lsoa_codes=lsoa_codes,
        lsoa_decile=lsoa_decile,
        lsoa_cum=lsoa_loc + within,
        team_key=_keys(rng, teams),
        team_name=team_name,
        team_role=roles,
        team_site=sites_of,
        organisation_key=org_keys[np.array(team_org)],
        organisation_name=[org_name[o] for o in team_org],
        cmht=np.array(cmht),
        pcn=np.array(pcn),
        social=np.array(social),
        vcse=vcse,
        specialist=specialist,
        staff_start=staff_start,
        staff_count=staff_count,
        staff_key=_keys(rng, int(staff_count.sum())),
        team_culture=_team_culture(seed, roles),
        as_of=as_of,
    )


# --- helpers for grouped arrays ------------------------------------------------------------------


def _choose(rng: np.random.Generator, n: int, shares: np.ndarray) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=shares)


def _choose_rows(rng: np.random.Generator, cdf: np.ndarray) -> np.ndarray:
    """One choice per row of a matrix of cumulative shares."""
    u = rng.random(cdf.shape[0])
    return np.minimum((u[:, None] > cdf).sum(axis=1), cdf.shape[1] - 1)


def _group_starts(groups: np.ndarray) -> np.ndarray:
    """For a sorted array of group numbers, the index where each element's group starts."""
    n = groups.size
    if n == 0:
        return np.zeros(0, int)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.repeat(starts, np.diff(np.r_[starts, n]))


def _rank_where(groups: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Within sorted groups, how many earlier elements have ``mask`` (the rank of each masked
    element among them, from 0)."""
    counted = np.cumsum(mask)
    start = _group_starts(groups)
    before = counted[start] - mask[start]
    return counted - before - mask


def _weekday(days: np.ndarray) -> np.ndarray:
    return (days + 3) % 7  # 1 January 1970 was a Thursday; Monday is 0


_SLOTS = np.array([h * 3600 + m * 60 for h in (9, 10, 11, 13, 14, 15, 16) for m in (0, 30)])


def _office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A weekday appointment slot on each day (a weekend moves to the Monday)."""
    days = days + np.select([_weekday(days) == 5, _weekday(days) == 6], [2, 1], 0)
    return days * _DAY + rng.choice(_SLOTS, size=days.size)


# --- one chunk of people -------------------------------------------------------------------------

_SOURCES = list(data.REFERRAL_SOURCE_SHARES)
_SOURCE_LABEL = {
    "self": "Self-referral", "gp": "GP practice", "vcse": "Voluntary sector",
    "social_care": "Adult social care", "secondary_care": "NHS mental health trust",
    "other": "Other",
}  # fmt: skip
_SOURCE_CODE = {"self": "B1", "gp": "A1", "vcse": "G4", "social_care": "C1", "secondary_care": "P1"}
_REFERRALS_PER_PERSON = _shares((42.0, 28.0, 17.0, 13.0))  # 1, 2, 3 or 4 referrals (some lost
# past the reference date), about 1.5 a person in all
_QUICK_RE_REFERRAL = 0.12  # within the 5-day spell gap of the last one closing
_ONWARD_TO_TEAM = 0.30  # of signposts: a warm handover to a team, which opens a new referral
_ACCEPT, _SIGNPOST, _DECLINE, _CLOSE = range(4)
_STATES = ["received", "in_triage", "for_meeting", "accepted", "signposted", "declined", "closed"]
_FOLLOW_UP = _shares((78.0, 13.0, 9.0))  # connected, not wanted, no reply
_FOLLOW_UP_CLOSURE = ["08", "07", "05"]
_REJECTIONS = (["02", "03", "01"], _shares((80.0, 12.0, 8.0)))
_DISCHARGES = (list(data.DISCHARGE_SHARES), _shares(data.DISCHARGE_SHARES))
_PERSON_LED = (list(data.PERSON_LED_CLOSURE_SHARES), _shares(data.PERSON_LED_CLOSURE_SHARES))
_ACCEPTED_TEAM = _shares(data.ACCEPTED_TEAM_SHARES)  # cmht, pcn, vcse, specialist, social care
_AGE_LABELS = [label for _, _, label in schema.AGE_BANDS]
_AGE_LOWER = np.array([low for low, _, _ in schema.AGE_BANDS[1:]])


def _age_band(age_years: np.ndarray) -> np.ndarray:
    return np.searchsorted(_AGE_LOWER, age_years, side="right")


@dataclass
class _Referrals:
    """Referrals of a chunk, as arrays (times in seconds; -1 for none)."""

    person: np.ndarray
    received: np.ndarray
    source: np.ndarray
    urgent: np.ndarray
    route: np.ndarray
    meeting: np.ndarray
    decided: np.ndarray
    follow_up: np.ndarray
    follow_up_outcome: np.ndarray
    holding_team: np.ndarray
    accepted_team: np.ndarray
    episode_end: np.ndarray
    onward_from: np.ndarray
    onward: np.ndarray  # this referral's signpost named a team (the next referral is that team's)

    @classmethod
    def concat(cls, parts: list[_Referrals]) -> _Referrals:
        fields = cls.__dataclass_fields__
        return cls(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})

    def take(self, index: np.ndarray) -> _Referrals:
        fields = self.__dataclass_fields__
        return _Referrals(**{f: getattr(self, f)[index] for f in fields})


def _triage_team(
    rng: np.random.Generator, nation: Nation, locality: np.ndarray, source: np.ndarray
) -> np.ndarray:
    """Where a referral arrives: the locality's CMHT or PCN team, or the VCSE alliance's lead for
    some self-referrals."""
    site = nation.locality_site[locality]
    u = rng.random(locality.size)
    to_vcse = u < np.where(source == _SOURCES.index("self"), 0.25, 0.04)
    to_pcn = ~to_vcse & (rng.random(locality.size) < 0.25)
    return np.select(
        [to_vcse, to_pcn], [nation.vcse[site, 0], nation.pcn[locality]], nation.cmht[locality]
    )


def _accepted_team(rng: np.random.Generator, nation: Nation, locality: np.ndarray) -> np.ndarray:
    site = nation.locality_site[locality]
    kind = _choose(rng, locality.size, _ACCEPTED_TEAM)
    vcse = nation.vcse[site, rng.integers(0, VCSE_TEAMS_PER_SITE, locality.size)]
    spec = nation.specialist[site, _choose(rng, locality.size, _SPECIALIST_SHARE)]
    return np.choose(kind, [nation.cmht[locality], nation.pcn[locality], vcse, spec,
                            nation.social[site]])  # fmt: skip


def _triage(
    rng: np.random.Generator,
    nation: Nation,
    person: np.ndarray,
    locality: np.ndarray,
    received: np.ndarray,
    onward_team: np.ndarray,
    onward_from: np.ndarray,
) -> _Referrals:
    """What became of referrals received at these times."""
    n = person.size
    onward = onward_team >= 0
    source = _choose(rng, n, _shares(data.REFERRAL_SOURCE_SHARES))
    source[onward] = np.where(
        nation.team_role[onward_team[onward]] == VCSE, _SOURCES.index("vcse"),
        _SOURCES.index("other"),
    )  # fmt: skip
    urgent = rng.random(n) < data.URGENT_SHARE
    decision = _choose(rng, n, _shares(data.TRIAGE_DECISION_SHARES))
    # accept, signpost, mark_for_meeting, decline, close; at the meeting: allocate or a joint
    # offer (accepted), signpost, or more information (then mostly accepted).
    meeting = decision == 2
    at_meeting = _choose(rng, n, _shares(data.MEETING_DECISION_SHARES))
    after_more = np.where(rng.random(n) < 0.6, _ACCEPT, _DECLINE)
    route = np.choose(decision, [_ACCEPT, _SIGNPOST, 0, _DECLINE, _CLOSE])
    route = np.where(meeting, np.choose(at_meeting, [_ACCEPT, _ACCEPT, _SIGNPOST, 0]), route)
    route = np.where(meeting & (at_meeting == 3), after_more, route)
    # Days to the decision: accepting waits for a triage appointment, urgent ones much less;
    # the locality meeting is fortnightly.
    delay = np.choose(
        route,
        [rng.gamma(2.0, 6.0, n), rng.gamma(1.5, 3.0, n), rng.gamma(2.0, 3.0, n),
         rng.gamma(2.0, 6.0, n)],
    )  # fmt: skip
    delay = np.where(urgent & (route == _ACCEPT), delay / 4, delay)
    delay = delay + np.where(meeting, rng.uniform(3, 17, n), 0)
    decided_day = ((received + delay * _DAY) // _DAY).astype(np.int64)
    decided = np.maximum(_office_time(rng, decided_day), received + 3600)

    holding = np.where(onward, onward_team, _triage_team(rng, nation, locality, source))
    accepted_team = np.where(onward, onward_team, _accepted_team(rng, nation, locality))
    role = nation.team_role[accepted_team]
    median = np.array([_DURATION.get(r, (150, 0.7))[0] for r in range(11)])[role]
    spread = np.array([_DURATION.get(r, (150, 0.7))[1] for r in range(11)])[role]
    length = median * np.exp(rng.normal(0, 1, n) * spread)
    end_day = (decided + np.round(np.maximum(length, 14) * _DAY).astype(np.int64)) // _DAY
    episode_end = _office_time(rng, end_day) + 3600
    follow_up = _office_time(rng, decided // _DAY + rng.integers(10, 29, n))
    follow_up_outcome = _choose(rng, n, _FOLLOW_UP)
    passes_on = (route == _SIGNPOST) & (rng.random(n) < _ONWARD_TO_TEAM)
    return _Referrals(
        person=person,
        received=received,
        source=source,
        urgent=urgent,
        route=route,
        meeting=meeting,
        decided=decided,
        follow_up=follow_up,
        follow_up_outcome=follow_up_outcome,
        holding_team=holding,
        accepted_team=accepted_team,
        episode_end=episode_end,
        onward_from=onward_from,
        onward=passes_on,
    )


def _ended(r: _Referrals, ref: int) -> np.ndarray:
    """When each referral ended (rejected, closed or discharged), or -1 while it is open."""
    ended = np.choose(
        r.route,
        [r.episode_end, r.follow_up, np.where(r.follow_up < ref, r.follow_up, r.decided),
         r.decided],
    )  # fmt: skip
    pending = r.decided >= ref
    return np.where(pending | (ended >= ref), -1, ended)


def _make_referrals(
    rng: np.random.Generator, nation: Nation, locality: np.ndarray, count: np.ndarray
) -> _Referrals:
    """Every person's referrals in the order received: later ones follow the last one's end
    (sometimes within days, so they join its spell), or its warm handover to a team."""
    n = locality.size
    g = 0.2  # demand grows through the window (data.REFERRAL_GROWTH)
    u = rng.random(n)
    x = (-1 + np.sqrt(1 + 2 * g * u * (1 + g / 2))) / g
    received = nation.start + np.round(x * (nation.ref - nation.start - _DAY)).astype(np.int64)
    person = np.arange(n)
    parts = [_triage(rng, nation, person, locality, received, np.full(n, -1), np.full(n, -1))]
    offset = n
    first_index = np.arange(n)
    current = first_index  # index into the concatenation of every step so far
    last = parts[0]
    for k in range(1, int(count.max(initial=1))):
        wanted = count[last.person] > k
        prev = last.take(np.flatnonzero(wanted))
        prev_index = current[wanted]
        m = prev.person.size
        ended = _ended(prev, nation.ref)
        base = np.where(ended >= 0, ended, prev.received + rng.uniform(30, 200, m) * _DAY)
        gap = np.where(
            rng.random(m) < _QUICK_RE_REFERRAL,
            rng.uniform(0, 5, m),
            6 + rng.exponential(160, m),
        )
        received = (base + gap * _DAY).astype(np.int64)
        onward = prev.onward & (prev.decided < nation.ref)
        received = np.where(
            onward, prev.decided + rng.uniform(0.1, 2.0, m).astype(np.float64) * _DAY, received
        ).astype(np.int64)
        onward_team = np.where(
            onward,
            nation.vcse[nation.locality_site[locality[prev.person]],
                        rng.integers(0, VCSE_TEAMS_PER_SITE, m)],
            -1,
        )  # fmt: skip
        keep = received < nation.ref
        step = _triage(
            rng,
            nation,
            prev.person[keep],
            locality[prev.person[keep]],
            received[keep],
            onward_team[keep],
            np.where(onward, prev_index, -1)[keep],
        )
        parts.append(step)
        current = offset + np.arange(step.person.size)
        offset += step.person.size
        last = step
    return _Referrals.concat(parts)


def _arrow(values: np.ndarray, type_: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(values, type=type_, mask=null)


def _labels(codes: np.ndarray, names: list[str]) -> pa.Array:
    return pa.array(names, pa.string()).take(pa.array(np.asarray(codes, np.int64)))


def _timestamps(seconds: np.ndarray) -> pa.Array:
    null = seconds < 0
    return pa.array(seconds.astype(np.int64) * 1_000_000, type=pa.timestamp("us"), mask=null)


def _dates(seconds_or_days: np.ndarray, *, days: bool = False) -> pa.Array:
    values = seconds_or_days if days else seconds_or_days // _DAY
    null = seconds_or_days < 0
    return pa.array(values.astype(np.int32), type=pa.date32(), mask=null)


def _table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    target = schema.TABLES[name].schema.to_pyarrow()
    assert list(columns) == target.names, (name, list(columns))
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in target], schema=target)


def _chunk(nation: Nation, seed: int, number: int, people: int) -> dict[str, pa.Table]:
    """Everything that follows from ``people`` new people, as the analysis tables."""
    rng = np.random.default_rng([seed, number])
    n = people

    # People.
    locality = _choose(rng, n, nation.locality_share)
    band = _choose(rng, n, _shares([p for _, _, p in data.AGE_BANDS]))
    low = np.array([a for a, _, _ in data.AGE_BANDS])[band]
    high = np.array([b for _, b, _ in data.AGE_BANDS])[band] + 1
    age = rng.uniform(low, high)  # years, on the reference date
    born = nation.ref - np.round(age * 365.25 * _DAY).astype(np.int64)
    sex = _choose(rng, n, _shares(data.GENDER_SHARES))
    sex_codes = list(data.GENDER_SHARES)
    likelihood = np.array([_REFERRAL_LIKELIHOOD.get(c, 1.0) for c in ETHNIC_CODES])
    people_eth = nation.ethnicity * likelihood
    people_eth = people_eth / people_eth.sum(axis=1, keepdims=True)
    gaps = np.array([_NOT_STATED.get(c, 0.0) / 100 for c in ETHNIC_CODES])
    people_eth = people_eth * (1 - gaps.sum()) + gaps
    ethnic = _choose_rows(rng, np.cumsum(people_eth[locality], axis=1))
    lsoa = np.searchsorted(nation.lsoa_cum, locality + rng.random(n), side="right")
    lsoa = np.minimum(lsoa, (locality + 1) * _LSOAS_PER_LOCALITY - 1)
    no_postcode = rng.random(n) < _NO_POSTCODE
    decile = np.where(no_postcode, -1, nation.lsoa_decile[lsoa])

    # Referrals.
    count = _choose(rng, n, _REFERRALS_PER_PERSON) + 1
    r = _make_referrals(rng, nation, locality, count)
    order = np.lexsort((r.received, r.person))
    index_of = np.empty(order.size, int)
    index_of[order] = np.arange(order.size)
    r = r.take(order)
    r.onward_from = np.where(r.onward_from >= 0, index_of[np.maximum(r.onward_from, 0)], -1)
    m = r.person.size
    referral_key = _keys(rng, m)
    ended = _ended(r, nation.ref)
    pending = r.decided >= nation.ref
    accepted = (r.route == _ACCEPT) & ~pending
    followed = r.follow_up < nation.ref
    state = np.select(
        [
            pending & (r.received > nation.ref - _DAY),
            pending & r.meeting & (r.received < nation.ref - 4 * _DAY),
            pending,
            accepted & (ended < 0),
            (r.route == _SIGNPOST) & ~followed,
            (r.route == _DECLINE) & ~followed,
        ],
        [0, 2, 1, 3, 4, 5],
        6,
    )
    unmatched = pending & (r.received > nation.ref - 7 * _DAY) & (rng.random(m) < 0.3)
    team = np.where(accepted, r.accepted_team, r.holding_team)
    person_key = _keys(rng, n)
    ref_age = (r.received - born[r.person]) / (365.25 * _DAY)
    ref_band = _age_band(ref_age)
    known = ~no_postcode[r.person]
    rejection = np.where((r.route == _DECLINE) & ~pending, _choose(rng, m, _REJECTIONS[1]) + 1, 0)
    discharge = _choose(rng, m, _DISCHARGES[1])
    person_led = _choose(rng, m, _PERSON_LED[1])
    closure_names = ["", *_DISCHARGES[0], *_FOLLOW_UP_CLOSURE, *_PERSON_LED[0]]
    nd, nf = len(_DISCHARGES[0]), len(_FOLLOW_UP_CLOSURE)
    closure = np.select(
        [
            accepted & (ended >= 0),
            np.isin(r.route, [_SIGNPOST, _DECLINE]) & followed & ~pending,
            (r.route == _CLOSE) & ~pending,
        ],
        [1 + discharge, 1 + nd + r.follow_up_outcome, 1 + nd + nf + person_led],
        0,
    )
    signposted = (r.route == _SIGNPOST) & ~pending
    connected = np.isin(r.route, [_SIGNPOST, _DECLINE]) & followed & (r.follow_up_outcome == 0)
    connected &= ~pending
    ethnic_names = [_ETHNIC_GROUP[c] for c in ETHNIC_CODES]
    quintile_names = ["1", "2", "3", "4", "5", schema.NOT_KNOWN]
    quintile = np.where(decile > 0, (decile + 1) // 2 - 1, 5)
    sex_names = [schema.SEXES[c] for c in sex_codes]
    locality_names = [*nation.locality_names, schema.NOT_KNOWN]
    providers = nation.team_provider
    team_types = nation.team_type

    tables: dict[str, pa.Table] = {}
    has_referral = np.bincount(r.person[~unmatched], minlength=n) > 0
    p = np.flatnonzero(has_referral)
    tables["people"] = _table(
        "people",
        {
            "person_key": pa.array(person_key[p]),
            "age_band": _labels(_age_band(age[p]), _AGE_LABELS),
            "ethnic_category": _labels(ethnic[p], ETHNIC_CODES),
            "ethnic_group": _labels(ethnic[p], ethnic_names),
            "imd_quintile": _labels(quintile[p], quintile_names),
            "sex": _labels(sex[p], sex_names),
            "locality": _labels(
                np.where(no_postcode[p], len(nation.locality_names), locality[p]), locality_names
            ),
            "lsoa_code": pa.array(nation.lsoa_codes, pa.string()).take(
                pa.array(lsoa[p], mask=no_postcode[p])
            ),
            "imd_decile": _arrow(decile[p], pa.int64(), decile[p] < 0),
        },
    )
    rp = r.person
    tables["referrals"] = _table(
        "referrals",
        {
            "referral_key": pa.array(referral_key),
            "person_key": _arrow(person_key[rp], pa.int64(), unmatched),
            "received_at": _timestamps(r.received),
            "received_on": _dates(r.received),
            "age_band": _labels(ref_band, _AGE_LABELS),
            "adult": pa.array(ref_age >= 18),
            "ethnic_group": _labels(
                np.where(unmatched, len(ETHNIC_CODES) - 1, ethnic[rp]), ethnic_names
            ),
            "imd_quintile": _labels(np.where(unmatched | ~known, 5, quintile[rp]), quintile_names),
            "sex": _labels(np.where(unmatched, len(sex_codes) - 1, sex[rp]), sex_names),
            "locality": _labels(locality[rp], locality_names),
            "referral_source": _labels(r.source, [_SOURCE_LABEL[s] for s in _SOURCES]),
            "source_code": _labels(r.source, [_SOURCE_CODE.get(s, "") for s in _SOURCES]),
            "self_referral": pa.array(r.source == _SOURCES.index("self")),
            "team_key": pa.array(nation.team_key[team]),
            "organisation_key": pa.array(nation.organisation_key[team]),
            "provider_type": _labels(providers[team], _PROVIDERS),
            "team_type_code": _labels(team, team_types),
            "state": _labels(state, _STATES),
            "accepted": pa.array(accepted),
            "accepted_at": _timestamps(np.where(accepted, r.decided, -1)),
            "ended_at": _timestamps(ended),
            "rejection_reason": _labels(rejection, ["", *_REJECTIONS[0]]),
            "closure_reason": _labels(closure, closure_names),
            "bounce": pa.array((r.route == _CLOSE) & ~pending),
            "signposted": pa.array(signposted),
            "handover_connected": pa.array(connected),
            "onward_from_key": _arrow(
                referral_key[np.maximum(r.onward_from, 0)], pa.int64(), r.onward_from < 0
            ),
        },
    )
    tables.update(
        _care(
            rng, nation, r.take(np.flatnonzero(accepted)), referral_key[accepted],
            person_key[r.person[accepted]], locality[r.person[accepted]],
            voice=np.random.default_rng([seed, number, _VOICE_STAGE]),
        )
    )  # fmt: skip
    return tables


# --- care: episodes, contacts, plans, intensity, key workers, outcome scores ---------------------

_OUTCOMES = ["attended", "did_not_attend", "cancelled_by_person", "cancelled_by_service", "planned"]
_OUTCOME_SHARES = _shares((78.0, 12.0, 6.0, 4.0))
_MODES = list(data.CONTACT_MODE_SHARES)  # face_to_face, phone, video, text
_MODE_SHARES = _shares((55.0, 28.0, 13.0, 4.0))
_KINDS = ["assessment", "coaching", "review", "peer_support", "group", "other"]
_KINDS_NHS = _shares((0, 55, 0, 12, 8, 25))
_KINDS_VCSE = _shares((0, 60, 0, 25, 15, 0))
_MINUTES = np.array([75, 50, 45, 60, 90, 30])
_MODE_TIME = np.array([1.0, 0.6, 0.8, 0.2])
REVIEW_DAYS = 84
PLAN_SHARE = 0.90
AGREED_SHARE = 0.92
ON_TIME_REVIEW = 0.78
CARE_TEAM_SHARE = 1 / 3
CARE_TEAM_CONTACT_SHARE = 0.15
PLANNED_AHEAD_DAYS = 21
#: Measures: (name, score key, SNOMED CT code, better, reliable change, range, baseline mean
#: and spread, typical change by the end of a course, noise, resolution).
MEASURES = (
    ("phq9", "total", "720433000", "lower", 6.0, (0, 27), (15.5, 5.0), 5.5, 3.5, 1.0),
    ("gad7", "total", "445455005", "lower", 4.0, (0, 21), (12.5, 4.5), 4.0, 3.0, 1.0),
    ("dialog", "quality-of-life", "", "higher", 1.0, (1, 7), (3.7, 0.8), 0.6, 0.5, 0.125),
    ("gbo", "mean", "", "higher", 3.0, (0, 10), (3.2, 1.6), 2.8, 1.6, 1 / 3),
    ("reqol10", "total", "1091071000000100", "higher", 5.0, (0, 40), (16, 6), 6.0, 5.0, 1.0),
)
PHQ9, GAD7, DIALOG, GBO, REQOL10 = range(5)
COURSE_DAYS = 120
_BASELINE = np.array([0.75, 0.0, 0.80, 0.70, 0.80])
_FOLLOW_UP_CHANCE = np.array([0.38, 0.0, 0.40, 0.50, 0.40])
_AT_DISCHARGE = np.array([0.30, 0.0, 0.35, 0.0, 0.35])
GAD7_WITH_PHQ9 = 0.9


def _care(
    rng: np.random.Generator,
    nation: Nation,
    r: _Referrals,
    referral_key: np.ndarray,
    person_key: np.ndarray,
    locality: np.ndarray,
    *,
    voice: np.random.Generator,
) -> dict[str, pa.Table]:
    """Episodes and what follows from them. ``voice`` draws the person's voice in their care
    (its own generator, so that adding it left every other table's rows as they were)."""
    e = r.person.size
    ep_key = _keys(rng, e)
    start = r.decided
    closed = r.episode_end < nation.ref
    end = np.where(closed, r.episode_end, -1)
    team = r.accepted_team
    role = nation.team_role[team]
    site = nation.team_site[team]
    providers = nation.team_provider

    # Intensity at the start, and each step up or down.
    by_role = np.array([_shares(_START_INTENSITY.get(x, (30, 60, 10))) for x in range(11)])
    start_shares = by_role[role]
    start_shares[r.urgent] = _shares(_URGENT_INTENSITY)
    level0 = _choose_rows(rng, np.cumsum(start_shares, axis=1))
    lived = (np.where(closed, end, nation.ref) - start) / _DAY
    changes = np.minimum(rng.poisson(np.maximum(lived - 21, 0) / 110), 6)
    i_ep = np.repeat(np.arange(e), changes)
    i_at = start[i_ep] + ((21 + rng.random(i_ep.size) * (lived[i_ep] - 21)) * _DAY).astype(np.int64)
    order = np.lexsort((i_at, i_ep))
    i_ep, i_at = i_ep[order], i_at[order]
    i_rank = np.arange(i_ep.size) - _group_starts(i_ep)
    level = level0.copy()
    i_level = np.zeros(i_ep.size, int)
    for k in range(int(changes.max(initial=0))):
        at = i_rank == k
        eps = i_ep[at]
        now = level[eps]
        step = np.where(now == 0, 1, np.where(now == 2, -1, rng.choice([-1, 1], eps.size)))
        level[eps] = now + step
        i_level[at] = level[eps]
    intensity = {
        "episode_key": pa.array(np.concatenate([ep_key, ep_key[i_ep]])),
        "intensity": _labels(np.concatenate([level0, i_level]), _LEVELS),
        "changed_at": _timestamps(np.concatenate([start, i_at])),
    }

    # Key workers: most episodes keep one; some change when staff move on.
    alloc = 1 + (rng.random(e) < 0.2) + (rng.random(e) < 0.05)
    alloc = np.where(lived < 45, 1, alloc)
    ch1 = start + ((0.2 + 0.6 * rng.random(e)) * lived * _DAY).astype(np.int64)
    ch2 = ch1 + ((0.2 + 0.6 * rng.random(e)) * (start + lived * _DAY - ch1)).astype(np.int64)
    ch1 = np.where(alloc >= 2, ch1, np.iinfo(np.int64).max)
    ch2 = np.where(alloc >= 3, ch2, np.iinfo(np.int64).max)
    count = nation.staff_count[team]
    workers = nation.staff_start[team][:, None] + (
        rng.integers(0, 1 << 30, (e, 3)) % count[:, None]
    )
    worker_key = nation.staff_key[workers]
    a_ep = np.repeat(np.arange(e), alloc)
    a_no = np.arange(a_ep.size) - _group_starts(a_ep)
    times = np.stack([start, ch1, ch2, np.full(e, -1)], axis=1)
    a_end = times[a_ep, a_no + 1]
    a_end = np.where((a_no + 1 >= alloc[a_ep]), end[a_ep], a_end)
    allocations = {
        "episode_key": pa.array(ep_key[a_ep]),
        "key_worker_key": pa.array(worker_key[a_ep, a_no]),
        "started_at": _timestamps(times[a_ep, a_no]),
        "ended_at": _timestamps(a_end),
    }

    # A care team partner for a third: a VCSE team (or social care) beside NHS and primary care
    # teams; the locality's CMHT beside a VCSE lead.
    has_partner = rng.random(e) < CARE_TEAM_SHARE
    partner = np.where(
        role == VCSE,
        nation.cmht[locality],
        np.where(
            rng.random(e) < 0.8,
            nation.vcse[site, rng.integers(0, VCSE_TEAMS_PER_SITE, e)],
            nation.social[site],
        ),
    )
    partner = np.where(has_partner, partner, -1)
    p_count = nation.staff_count[np.maximum(partner, 0)]
    partner_worker = nation.staff_key[
        nation.staff_start[np.maximum(partner, 0)] + rng.integers(0, 1 << 30, e) % p_count
    ]

    # Contacts: about one per gap of the starting intensity, from the first appointment (a
    # few days after acceptance) to discharge, or three weeks past the reference date.
    until = np.where(closed, end, nation.ref + PLANNED_AHEAD_DAYS * _DAY)
    first = np.where(r.urgent, rng.uniform(0.5, 3, e), rng.uniform(1, 12, e))
    span = (until - start) / _DAY
    first = np.minimum(first, np.maximum(span - 0.5, 0))
    n_contacts = 1 + rng.poisson(np.maximum(span - first, 0) / _GAP_DAYS[level0])
    c_ep = np.repeat(np.arange(e), n_contacts)
    c_first = np.r_[True, c_ep[1:] != c_ep[:-1]] if c_ep.size else np.zeros(0, bool)
    offset = np.where(
        c_first,
        first[c_ep],
        first[c_ep] + rng.random(c_ep.size) * (span[c_ep] - first[c_ep]),
    )
    order = np.lexsort((offset, c_ep))
    c_ep, offset = c_ep[order], offset[order]
    day = (start[c_ep] + (offset * _DAY).astype(np.int64)) // _DAY
    shift = np.select([_weekday(day) == 5, _weekday(day) == 6], [2, 1], 0)
    last_day = (until[c_ep] - 3600) // _DAY
    day = np.where(day + shift <= last_day, day + shift, day)
    at = day * _DAY + rng.choice(_SLOTS, size=day.size)
    at = np.clip(at, start[c_ep] + 1800, np.maximum(until[c_ep] - 1800, start[c_ep] + 1800))
    order = np.lexsort((at, c_ep))
    c_ep, at = c_ep[order], at[order]
    c = c_ep.size
    past = at < nation.ref
    outcome = np.where(past, _choose(rng, c, _OUTCOME_SHARES), 4)
    attended = outcome == 0
    by_partner = (partner[c_ep] >= 0) & (rng.random(c) < CARE_TEAM_CONTACT_SHARE)
    attended_rank = _rank_where(c_ep, attended)
    assessment = attended & (
        (attended_rank == 0)
        | ((attended_rank == 1) & (providers[team[c_ep]] == 0) & (rng.random(c) < 0.3))
    )
    by_partner &= ~assessment
    c_team = np.where(by_partner, partner[c_ep], team[c_ep])
    period = (at - start[c_ep]) // (REVIEW_DAYS * _DAY)
    new_period = np.r_[True, (period[1:] != period[:-1]) | (c_ep[1:] != c_ep[:-1])]
    review = new_period & (period >= 1) & ~by_partner & ~assessment
    vcse_contact = providers[c_team] == 3
    kind = np.where(vcse_contact, _choose(rng, c, _KINDS_VCSE), _choose(rng, c, _KINDS_NHS))
    kind = np.where(review, 2, kind)
    # Before the assessment an appointment is booked as one; missed ones stay so.
    not_yet = (attended_rank == 0) & ~attended & (_rank_where(c_ep, assessment) == 0)
    kind = np.where(assessment | (not_yet & ~by_partner), 0, kind)
    mode = _choose(rng, c, _MODE_SHARES)
    in_person = np.isin(kind, [0, 4]) & (mode == 3)
    mode = np.where(in_person, 0, mode)
    minutes = _MINUTES[kind] * _MODE_TIME[mode] * rng.uniform(0.7, 1.3, c)
    minutes = np.maximum(5, np.round(minutes / 5) * 5).astype(np.int64)
    allocation = (at >= ch1[c_ep]).astype(int) + (at >= ch2[c_ep])
    practitioner = np.where(by_partner, partner_worker[c_ep], worker_key[c_ep, allocation])
    contact_key = _keys(rng, c)
    contacts = {
        "contact_key": pa.array(contact_key),
        "referral_key": pa.array(referral_key[c_ep]),
        "episode_key": pa.array(ep_key[c_ep]),
        "person_key": pa.array(person_key[c_ep]),
        "practitioner_key": pa.array(practitioner),
        "team_key": pa.array(nation.team_key[c_team]),
        "provider_type": _labels(providers[c_team], _PROVIDERS),
        "team_type_code": _labels(c_team, nation.team_type),
        "starts_at": _timestamps(at),
        "contact_on": _dates(at),
        "mode": _labels(mode, _MODES),
        "direct": pa.array(mode != 3),
        "outcome": _labels(outcome, _OUTCOMES),
        "attended": pa.array(attended),
        "kind": _labels(kind, _KINDS),
        "assessment": pa.array(kind == 0),
        "intervention": pa.array(np.isin(kind, [1, 3, 4])),
        "duration_minutes": _arrow(minutes, pa.int64(), ~attended),
    }

    # Care plans: written at the second attended appointment, agreed within days, a new
    # version at each review (on or before the date the last one set, mostly).
    done = attended & past
    done_rank = _rank_where(c_ep, done)
    second = done & (done_rank == 1) & ~by_partner
    plan_at = np.full(e, -1, np.int64)
    plan_at[c_ep[second]] = at[second] + 3600
    plan_at[rng.random(e) >= PLAN_SHARE] = -1
    has_plan = plan_at >= 0
    later = review & done & has_plan[c_ep] & (at > plan_at[c_ep])
    v_ep = np.concatenate([np.flatnonzero(has_plan), c_ep[later]])
    v_at = np.concatenate([plan_at[has_plan], at[later] + 1800])
    order = np.lexsort((v_at, v_ep))
    v_ep, v_at = v_ep[order], v_at[order]
    v_no = np.arange(v_ep.size) - _group_starts(v_ep) + 1
    v = v_ep.size
    agreed_day = v_at // _DAY + rng.geometric(0.5, v) - 1
    agreed = (rng.random(v) < AGREED_SHARE) & (agreed_day < nation.ref_day)
    agreed_day = np.where(agreed, agreed_day, -1)
    has_next = np.r_[v_ep[1:] == v_ep[:-1], False] if v else np.zeros(0, bool)
    next_day = np.r_[v_at[1:] // _DAY, 0] if v else np.zeros(0, np.int64)
    on_time = rng.random(v) < ON_TIME_REVIEW
    review_day = np.where(
        has_next,
        np.where(on_time, next_day + rng.integers(0, 15, v), next_day - rng.integers(1, 31, v)),
        v_at // _DAY + REVIEW_DAYS,
    )
    review_day = np.maximum(review_day, v_at // _DAY + 28)
    first_agreed = np.full(e, np.iinfo(np.int64).max)
    np.minimum.at(first_agreed, v_ep[agreed], agreed_day[agreed])
    first_agreed = np.where(first_agreed == np.iinfo(np.int64).max, -1, first_agreed)
    culture = nation.team_culture[team]
    sections, with_person, present = _plan_voice(voice, culture[v_ep])
    plans = {
        "episode_key": pa.array(ep_key[v_ep]),
        "number": pa.array(v_no.astype(np.int64)),
        "created_at": _timestamps(v_at),
        "agreed_on": _dates(agreed_day, days=True),
        "review_on": _dates(review_day, days=True),
        "sections_recorded": pa.array(sections),
        "sections_with_person": pa.array(with_person),
        "person_present": present,
    }

    episodes = {
        "episode_key": pa.array(ep_key),
        "referral_key": pa.array(referral_key),
        "person_key": pa.array(person_key),
        "team_key": pa.array(nation.team_key[team]),
        "organisation_key": pa.array(nation.organisation_key[team]),
        "provider_type": _labels(providers[team], _PROVIDERS),
        "started_at": _timestamps(start),
        "ended_at": _timestamps(end),
        "first_plan_agreed_on": _dates(first_agreed, days=True),
    }

    scores = _scores(
        rng, e, start, closed, role, has_plan, plan_at, c_ep, at, done, done_rank, review,
        by_partner,
    )  # fmt: skip
    s_ep, s_measure, s_at, s_value = scores
    s = s_ep.size
    measure_names = [m[0] for m in MEASURES]
    scores_table = {
        "episode_key": pa.array(ep_key[s_ep]),
        "referral_key": pa.array(referral_key[s_ep]),
        "person_key": pa.array(person_key[s_ep]),
        "response_key": pa.array(_keys(rng, s)),
        "measure": _labels(s_measure, measure_names),
        "score_key": _labels(s_measure, [m[1] for m in MEASURES]),
        "snomed": _labels(s_measure, [m[2] for m in MEASURES]),
        "value": pa.array(s_value),
        "completed_at": _timestamps(s_at),
    }
    return {
        "contacts": _table("contacts", contacts),
        "episodes": _table("episodes", episodes),
        "plan_versions": _table("plan_versions", plans),
        "intensity": _table("intensity", intensity),
        "allocations": _table("allocations", allocations),
        "scores": _table("scores", scores_table),
        **_care_voice(
            voice, culture, ep_key, person_key, start, end, v_ep, v_at, c_ep, at,
            done, contact_key, nation.ref,
        ),
    }  # fmt: skip


def _scores(
    rng: np.random.Generator,
    e: int,
    start: np.ndarray,
    closed: np.ndarray,
    role: np.ndarray,
    has_plan: np.ndarray,
    plan_at: np.ndarray,
    c_ep: np.ndarray,
    at: np.ndarray,
    done: np.ndarray,
    done_rank: np.ndarray,
    review: np.ndarray,
    by_partner: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Outcome measures: a baseline at the first appointment attended, follow-ups at reviews
    and some at the last appointment before discharge; each moves from the person's starting
    point towards better over a course of care, by how much the person responds."""
    uses = np.zeros((e, len(MEASURES)), bool)
    uses[:, PHQ9] = np.isin(role, [CMHT, PCN])
    uses[:, DIALOG] = True
    uses[:, GBO] = has_plan
    uses[:, REQOL10] = (role == VCSE) & (rng.random(e) < 0.35)
    c = c_ep.size
    first_seen = done & (done_rank == 0)
    last_done = np.zeros(c, bool)
    if c:
        last_of = np.r_[c_ep[1:] != c_ep[:-1], True]
        # The last attended appointment: the last contact of a discharged episode, if attended.
        last_done = last_of & done & closed[c_ep] & (done_rank > 0)
    rows_ep, rows_m, rows_at = [], [], []
    for m in (PHQ9, DIALOG, REQOL10):
        chance = np.select(
            [first_seen, review & done & ~by_partner, last_done],
            [_BASELINE[m], _FOLLOW_UP_CHANCE[m], _AT_DISCHARGE[m]],
            0.0,
        )
        hit = uses[c_ep, m] & (rng.random(c) < chance)
        rows_ep.append(c_ep[hit])
        rows_m.append(np.full(hit.sum(), m))
        rows_at.append(at[hit] + 600 + 60 * m)
        if m == PHQ9:
            with_it = rng.random(hit.sum()) < GAD7_WITH_PHQ9
            rows_ep.append(c_ep[hit][with_it])
            rows_m.append(np.full(with_it.sum(), GAD7))
            rows_at.append(at[hit][with_it] + 1200)
    gbo_first = has_plan & (rng.random(e) < _BASELINE[GBO])
    gbo_later = review & done & has_plan[c_ep] & (at > plan_at[c_ep])
    gbo_later &= rng.random(c) < _FOLLOW_UP_CHANCE[GBO]
    rows_ep += [np.flatnonzero(gbo_first), c_ep[gbo_later]]
    rows_m += [np.full(gbo_first.sum(), GBO), np.full(gbo_later.sum(), GBO)]
    rows_at += [plan_at[gbo_first] + 900, at[gbo_later] + 900]
    s_ep = np.concatenate(rows_ep)
    s_m = np.concatenate(rows_m)
    s_at = np.concatenate(rows_at).astype(np.int64)
    order = np.lexsort((s_at, s_m, s_ep))
    s_ep, s_m, s_at = s_ep[order], s_m[order], s_at[order]

    baseline_mean = np.array([m[6][0] for m in MEASURES])
    baseline_sd = np.array([m[6][1] for m in MEASURES])
    change = np.array([m[7] for m in MEASURES])
    noise = np.array([m[8] for m in MEASURES])
    step = np.array([m[9] for m in MEASURES])
    low = np.array([m[5][0] for m in MEASURES])
    high = np.array([m[5][1] for m in MEASURES])
    sign = np.array([-1.0 if m[3] == "lower" else 1.0 for m in MEASURES])
    baseline = baseline_mean + baseline_sd * rng.normal(0, 1, (e, len(MEASURES)))
    responds = rng.normal(1.0, 0.7, e)  # one person's response shows on every measure
    course = np.minimum(1.0, (s_at - start[s_ep]) / (COURSE_DAYS * _DAY))
    value = (
        baseline[s_ep, s_m]
        + sign[s_m] * change[s_m] * responds[s_ep] * course
        + noise[s_m] * rng.normal(0, 1, s_ep.size)
    )
    value = np.clip(np.round(value / step[s_m]) * step[s_m], low[s_m], high[s_m])
    return s_ep, s_m, s_at, np.round(value, 4)


# --- co-production -------------------------------------------------------------------------------

_VOICE_STAGE = 0x564F  # "VO": the person's voice in their care, per chunk
_CULTURE_STAGE = 0x4355  # "CU": each team's co-production culture, drawn once
_WORK_STAGE = 0x574B  # "WK": reviews and experts by experience's involvements
#: How far a team's work is co-produced (0 to 1): voluntary sector teams lean further towards
#: the person's own words than statutory ones, and teams differ within each kind.
_CULTURE = {VCSE: (0.65, 0.15), SOCIAL: (0.45, 0.15), PCN: (0.45, 0.15)}
_CULTURE_OTHERS = (0.4, 0.15)
SECTIONS = 10  # a plan's sections and its actions, whose authorship is recorded
UNRECORDED = 0.1  # of plan versions, goals and decisions: whether the person took part not said
GOALS_PER_PLAN = (1, 4)  # from, up to (not including)
GOAL_ENDED = 0.3
MEETING_DECISION = 0.08  # of episodes, a locality meeting decided something about it
NATIONAL_PREFERENCES_STATED = 0.5  # of people, contact preferences stated
COLLABORATE_AFTER_REVIEW = 0.5
REVIEW_QUARTERS = 6
REVIEW_SKIPPED = 0.15
EXPERTS_RATED = 0.9  # of reviews, experts by experience rated as well as staff
INVOLVEMENTS_PER_MONTH = 1.2  # per team that leads episodes
INVOLVEMENT_FOR_ORGANISATION = 0.2  # of involvements, for the organisation, not one team
CHANGE_RECORDED = 0.55
_CHARACTERISTICS = ["assets", "capabilities", "mutuality", "peer_support", "blurring",
                    "facilitating"]  # fmt: skip
_INVOLVEMENT_KINDS = ["strategic", "recruitment", "co_trainer", "peer_researcher",
                      "service_design"]  # fmt: skip
_LEADS = (CMHT, PCN, SOCIAL, VCSE, *SPECIALISTS)


def _team_culture(seed: int, roles: np.ndarray) -> np.ndarray:
    """Each team's co-production culture, 0 to 1 (its own generator: the nation's other draws
    are as they were before it)."""
    rng = np.random.default_rng([seed, _CULTURE_STAGE])
    mean = np.array([_CULTURE.get(int(x), _CULTURE_OTHERS)[0] for x in roles])
    spread = np.array([_CULTURE.get(int(x), _CULTURE_OTHERS)[1] for x in roles])
    return np.clip(mean + spread * rng.normal(0, 1, mean.size), 0.05, 0.95)


def _maybe(rng: np.random.Generator, yes: np.ndarray, unrecorded: float) -> pa.Array:
    """Booleans, some of them not recorded (null)."""
    return pa.array(yes, pa.bool_(), mask=rng.random(yes.size) < unrecorded)


def _plan_voice(
    rng: np.random.Generator, culture: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """For each plan version: sections with their author recorded, of them those written by or
    with the person, and whether the person took part."""
    recorded = rng.binomial(SECTIONS, 0.85, culture.size).astype(np.int64)
    with_person = rng.binomial(recorded, np.clip(culture + 0.1, 0, 1)).astype(np.int64)
    present = rng.random(culture.size) < np.clip(culture + 0.25, 0, 1)
    return recorded, with_person, _maybe(rng, present, UNRECORDED)


def _care_voice(
    rng: np.random.Generator,
    culture: np.ndarray,
    ep_key: np.ndarray,
    person_key: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    v_ep: np.ndarray,
    v_at: np.ndarray,
    c_ep: np.ndarray,
    at: np.ndarray,
    done: np.ndarray,
    contact_key: np.ndarray,
    ref: int,
) -> dict[str, pa.Table]:
    """The person's voice in their care, beside the episodes: goals and whose words they are
    in, locality meeting decisions and whether the person took part, contacts judged against
    the person's stated preferences, and CollaboRATE after some plan reviews."""
    e = ep_key.size
    lasts = np.where(end >= 0, end, ref)

    # Goals: set when the first plan was written, a few ended since.
    first = np.r_[True, v_ep[1:] != v_ep[:-1]] if v_ep.size else np.zeros(0, bool)
    g_of = np.repeat(np.flatnonzero(first), rng.integers(*GOALS_PER_PLAN, first.sum()))
    g_ep, g_at = v_ep[g_of], v_at[g_of] - 600
    g_end = g_at + (rng.random(g_ep.size) * (lasts[g_ep] - g_at)).astype(np.int64)
    g_end = np.maximum((g_end // _DAY) * _DAY + 15 * 3600, g_at + 3600)  # mid-afternoon
    g_end = np.where((rng.random(g_ep.size) < GOAL_ENDED) & (g_end < ref), g_end, -1)
    wording = np.where(
        rng.random(g_ep.size) < culture[g_ep], 1, np.where(rng.random(g_ep.size) < 0.5, 2, 3)
    )
    wording[rng.random(g_ep.size) < UNRECORDED] = 0
    goals = {
        "episode_key": pa.array(ep_key[g_ep]),
        "created_at": _timestamps(g_at),
        "ended_at": _timestamps(g_end),
        "worded_by": _labels(wording, ["", "person", "together", "practitioner"]),
    }

    # Locality meeting decisions about some episodes, while they were open.
    d_ep = np.flatnonzero(rng.random(e) < MEETING_DECISION)
    d_at = start[d_ep] + (rng.random(d_ep.size) * (lasts[d_ep] - start[d_ep])).astype(np.int64)
    keep = d_at < ref
    d_ep = d_ep[keep]
    d_at = np.maximum((d_at[keep] // _DAY) * _DAY + 13 * 3600, start[d_ep])
    decisions = {
        "episode_key": pa.array(ep_key[d_ep]),
        "meeting_at": _timestamps(d_at),
        "person_present": _maybe(rng, rng.random(d_ep.size) < culture[d_ep] * 0.8, 2 * UNRECORDED),
    }

    # Contact preferences: about half the people state them, some weeks into their first
    # episode; attended contacts since are judged against them (most kept to).
    people, person = np.unique(person_key, return_inverse=True)
    first_start = np.full(people.size, np.iinfo(np.int64).max)
    np.minimum.at(first_start, person, start)
    stated_at = first_start + (rng.uniform(1, 40, people.size) * _DAY).astype(np.int64)
    stated = (rng.random(people.size) < NATIONAL_PREFERENCES_STATED) & (stated_at < ref)
    c_person = person[c_ep]
    judged = done & stated[c_person] & (at >= stated_at[c_person])
    honoured = rng.random(c_ep.size) < np.clip(0.6 + 0.35 * culture[c_ep], 0, 1)
    checks = {
        "contact_key": pa.array(contact_key[judged]),
        "episode_key": pa.array(ep_key[c_ep[judged]]),
        "starts_at": _timestamps(at[judged]),
        "preferences_stated_at": _timestamps(stated_at[c_person[judged]]),
        "honoured": pa.array(honoured[judged]),
    }

    # CollaboRATE a few days after about half the plan reviews (versions after the first).
    answered = ~first & (rng.random(v_ep.size) < COLLABORATE_AFTER_REVIEW)
    r_ep = v_ep[answered]
    r_at = v_at[answered] + (rng.uniform(0.2, 5, r_ep.size) * _DAY).astype(np.int64)
    keep = r_at < np.minimum(lasts[r_ep], ref)
    r_ep, r_at = r_ep[keep], r_at[keep]
    top = rng.random(r_ep.size) < np.clip(0.15 + 0.45 * culture[r_ep], 0, 1)
    total = np.where(top, 27.0, np.clip(np.round(rng.normal(13 + 10 * culture[r_ep], 4)), 0, 26))
    collaborate = {
        "episode_key": pa.array(ep_key[r_ep]),
        "response_key": pa.array(_keys(rng, r_ep.size)),
        "completed_at": _timestamps(r_at),
        "top": pa.array(top),
        "total": pa.array(total),
    }
    return {
        "goals": _table("goals", goals),
        "meeting_decisions": _table("meeting_decisions", decisions),
        "preference_checks": _table("preference_checks", checks),
        "collaborate": _table("collaborate", collaborate),
    }


def _coproduction_work(nation: Nation, seed: int) -> dict[str, pa.Table]:
    """Each team that leads episodes: co-production reviews over the last six quarters (some
    missed), rated by staff and, mostly, by experts by experience too, staff seeing more
    co-production than the experts do; and experts by experience's involvements over the 18
    months, 'you said, we did' recorded for over half. Which localities each team serves."""
    rng = np.random.default_rng([seed, _WORK_STAGE])
    culture = nation.team_culture
    leads = np.flatnonzero(np.isin(nation.team_role, _LEADS))

    # Reviews: one per team and quarter (the three months ending with the month before the
    # reference date, then the three before those, …), on a day drawn within the quarter.
    ref = nation.as_of
    team_of, held = [], []
    for q in range(REVIEW_QUARTERS):
        month = ref.month - 3 * q  # the quarter ends the day before this month's first
        after = (dt.date(ref.year + (month - 1) // 12, (month - 1) % 12 + 1, 1) - _EPOCH).days
        for team in leads[rng.random(leads.size) >= REVIEW_SKIPPED]:
            team_of.append(team)
            held.append(after - 1 - int(rng.integers(0, 88)))
    team_of_arr = np.array(team_of, np.int64)
    held_arr = np.array(held, np.int64)
    reviews = team_of_arr.size
    review_key = _keys(rng, reviews)
    experts_rated = rng.random(reviews) < EXPERTS_RATED
    level = 1 + 4 * culture[team_of_arr]
    gap = rng.uniform(0.2, 1.0, reviews)
    k = len(_CHARACTERISTICS)
    expert_scores = np.clip(np.round(level[:, None] + rng.normal(0, 0.7, (reviews, k))), 1, 5)
    staff_scores = np.clip(
        np.round((level + gap)[:, None] + rng.normal(0, 0.6, (reviews, k))), 1, 5
    )
    rows_review = np.r_[np.repeat(np.arange(reviews), k),
                        np.repeat(np.flatnonzero(experts_rated), k)]  # fmt: skip
    raters = np.r_[np.zeros(reviews * k, int), np.ones(experts_rated.sum() * k, int)]
    characteristic = np.r_[
        np.tile(np.arange(k), reviews), np.tile(np.arange(k), experts_rated.sum())
    ]
    score = np.r_[staff_scores.ravel(), expert_scores[experts_rated].ravel()].astype(np.int64)
    ratings = {
        "review_key": pa.array(review_key[rows_review]),
        "team_key": pa.array(nation.team_key[team_of_arr[rows_review]]),
        "held_on": _dates(held_arr[rows_review], days=True),
        "raters": _labels(raters, ["staff", "experts"]),
        "characteristic": _labels(characteristic, _CHARACTERISTICS),
        "score": pa.array(score),
    }

    # Involvements: about ``INVOLVEMENTS_PER_MONTH`` a month for each team over the 18 months.
    first_day, days = nation.ref_day - WINDOW_DAYS, WINDOW_DAYS
    per_team = rng.poisson(INVOLVEMENTS_PER_MONTH * days / 30.4, leads.size)
    i_team = np.repeat(leads, per_team)
    n = i_team.size
    i_day = first_day + rng.integers(0, days, n)
    for_team = rng.random(n) >= INVOLVEMENT_FOR_ORGANISATION
    changed_day = i_day + rng.geometric(1 / 30, n)
    changed = (rng.random(n) < CHANGE_RECORDED * (0.7 + 0.6 * culture[i_team])) & (
        changed_day < nation.ref_day
    )
    involvements = {
        "involvement_key": pa.array(_keys(rng, n)),
        "team_key": _arrow(nation.team_key[i_team], pa.int64(), ~for_team),
        "organisation_key": pa.array(nation.organisation_key[i_team]),
        "kind": _labels(rng.integers(0, len(_INVOLVEMENT_KINDS), n), _INVOLVEMENT_KINDS),
        "involved_on": _dates(i_day, days=True),
        "hours": pa.array(rng.choice([1.0, 1.5, 2.0, 3.0, 6.0], n)),
        "changed": pa.array(changed),
        "changed_on": _dates(np.where(changed, changed_day, -1), days=True),
    }

    # Localities: a community mental health team and a primary care network's practitioners
    # serve their own locality; the place's other teams serve all four of its localities.
    per_site = len(nation.locality_names) // SITES
    serves_team, serves_locality = [], []
    for team, role in enumerate(nation.team_role):
        if role == BACK_OFFICE:
            continue
        if role in (CMHT, PCN):
            own = nation.cmht if role == CMHT else nation.pcn
            localities = [int(np.flatnonzero(own == team)[0])]
        else:
            site = int(nation.team_site[team])
            localities = list(range(site * per_site, (site + 1) * per_site))
        serves_team += [team] * len(localities)
        serves_locality += localities
    team_localities = {
        "team_key": pa.array(nation.team_key[np.array(serves_team, np.int64)]),
        "locality": _labels(np.array(serves_locality), nation.locality_names),
    }
    return {
        "review_ratings": _table("review_ratings", ratings),
        "involvements": _table("involvements", involvements),
        "team_localities": _table("team_localities", team_localities),
    }


# --- the small tables ----------------------------------------------------------------------------


def _teams_table(nation: Nation) -> pa.Table:
    return _table(
        "teams",
        {
            "team_key": pa.array(nation.team_key),
            "team_name": pa.array(nation.team_name, pa.string()),
            "team_type_code": pa.array(nation.team_type, pa.string()),
            "organisation_key": pa.array(nation.organisation_key),
            "organisation_name": pa.array(nation.organisation_name, pa.string()),
            "provider_type": _labels(nation.team_provider, _PROVIDERS),
        },
    )


def _measure_rules_table() -> pa.Table:
    return _table(
        "measure_rules",
        {
            "measure": pa.array([m[0] for m in MEASURES]),
            "score_key": pa.array([m[1] for m in MEASURES]),
            "better": pa.array([m[3] for m in MEASURES]),
            "reliable_change": pa.array([m[4] for m in MEASURES], pa.float64()),
        },
    )


def _residents_table(nation: Nation, people: int) -> pa.Table:
    """Adults living in each locality, by age band, sex, ethnic group and IMD quintile."""
    adults = nation.locality_share * people * RESIDENTS_PER_PERSON
    localities, dimensions, groups, counts = [], [], [], []

    def add(loc: int, dimension: str, shares: dict[str, float]) -> None:
        total = sum(shares.values())
        for group, share in shares.items():
            localities.append(nation.locality_names[loc])
            dimensions.append(dimension)
            groups.append(group)
            counts.append(round(adults[loc] * share / total))

    for loc in range(len(nation.locality_names)):
        add(loc, "age_band", _RESIDENT_AGES)
        add(loc, "sex", _RESIDENT_SEXES)
        ethnic: dict[str, float] = {}
        for code, share in zip(ETHNIC_CODES, nation.ethnicity[loc], strict=True):
            if share > 0:
                group = _ETHNIC_GROUP[code]
                ethnic[group] = ethnic.get(group, 0.0) + float(share)
        add(loc, "ethnic_group", ethnic)
        quintiles = nation.deprivation[loc].reshape(5, 2).sum(axis=1)
        add(loc, "imd_quintile", {str(q + 1): float(s) for q, s in enumerate(quintiles)})
    return _table(
        "residents",
        {
            "locality": pa.array(localities, pa.string()),
            "dimension": pa.array(dimensions, pa.string()),
            "group_name": pa.array(groups, pa.string()),
            "residents": pa.array(counts, pa.int64()),
        },
    )


# --- supervision ---------------------------------------------------------------------------------

#: Practitioners per supervisor, and the terms their agreements have (kind, every so many weeks).
SUPERVISEES_PER_SUPERVISOR = 8
PRACTITIONER_TERMS = (("group", 13), ("individual", 4))
SUPERVISOR_TERMS = (("meta", 8),)
META_SUPERVISORS_PER_SITE = 2
#: Of VCSE teams, the share whose Care Partners a trust clinician supervises (across
#: organisations); the rest have their own organisation's supervisor.
VCSE_SUPERVISED_BY_TRUST = 0.6
#: Of those supervised, the share who joined during the 18 months (a new agreement then), and
#: of the rest, the share whose agreement ended and was replaced by one with someone else.
NEW_STARTERS = 0.15
CHANGED_SUPERVISOR = 0.12
#: The share of supervisees whose supervision has lapsed by the reference date: no session
#: since a day drawn between one and three months past their last being due.
LAPSED = 0.10
#: A session a little early or on time (most), or late (leave, sickness, a busy month).
_LATE_GAP = 0.10
_GROUP_EVERY_DAYS = 84
_GROUP_ATTENDANCE = 0.9


@dataclass
class _Agreement:
    supervisee: int  # index into the supervisee arrays
    supervisor: int  # a staff key
    starts: int  # day number
    ends: int  # day number, -1 for none
    terms: tuple[tuple[str, int], ...]


def _supervision_tables(nation: Nation, seed: int) -> dict[str, pa.Table]:
    """Agreements for every practitioner (monthly individual, quarterly group supervision) and
    every supervisor (meta-supervision every 8 weeks), and the sessions held over the 18 months:
    mostly on time, some late, one supervisee in ten lapsed by the reference date."""
    rng = np.random.default_rng([seed, 0x5355])
    first_day, last_day = nation.ref_day - WINDOW_DAYS, nation.ref_day - 1
    team_of_staff = np.repeat(np.arange(len(nation.team_key)), nation.staff_count)
    trust_cmht = nation.cmht.reshape(SITES, -1)[:, 0]  # each site's first CMHT

    # Supervisors: one per group of practitioners in a team, a trust clinician for most VCSE
    # teams; they are supervisees too (of their site's meta-supervisors).
    who_key: list[int] = [int(k) for k in nation.staff_key]  # supervisees: staff, then supervisors
    who_team: list[int] = [int(t) for t in team_of_staff]
    who_is_supervisor: list[bool] = [False] * len(who_key)
    supervisors_of: dict[int, list[int]] = {}  # team → supervisor keys
    for team in np.flatnonzero(nation.staff_count):
        count = int(nation.staff_count[team])
        home = int(team)
        if nation.team_role[team] == VCSE and rng.random() < VCSE_SUPERVISED_BY_TRUST:
            home = int(trust_cmht[nation.team_site[team]])
        keys = [int(k) for k in _keys(rng, -(-count // SUPERVISEES_PER_SUPERVISOR))]
        supervisors_of[int(team)] = keys
        who_key += keys
        who_team += [home] * len(keys)
        who_is_supervisor += [True] * len(keys)
    meta_of_site = _keys(rng, SITES * META_SUPERVISORS_PER_SITE).reshape(SITES, -1)

    agreements: list[_Agreement] = []
    for index in range(len(who_key)):
        team = who_team[index]
        if who_is_supervisor[index]:
            choices = [int(k) for k in meta_of_site[nation.team_site[team]]]
            terms = SUPERVISOR_TERMS
        else:
            choices = supervisors_of[team]
            terms = PRACTITIONER_TERMS
        supervisor = choices[index % len(choices)]
        if rng.random() < NEW_STARTERS:
            starts = first_day + int(rng.integers(0, WINDOW_DAYS - 30))
            agreements.append(_Agreement(index, supervisor, starts, -1, terms))
            continue
        starts = first_day - int(rng.integers(1, 400))
        if rng.random() < CHANGED_SUPERVISOR:
            ends = first_day + int(rng.integers(30, WINDOW_DAYS - 30))
            agreements.append(_Agreement(index, supervisor, starts, ends, terms))
            other = choices[(index + 1) % len(choices)]
            agreements.append(_Agreement(index, other, ends + 1, -1, terms))
        else:
            agreements.append(_Agreement(index, supervisor, starts, -1, terms))
    lapsed_from = np.where(
        rng.random(len(who_key)) < LAPSED,
        last_day - 28 - rng.integers(30, 90, len(who_key)),
        last_day + 1,
    )

    # One-to-one sessions, term by term: each the agreed interval (a little less, or late)
    # after the last, from the later of the agreement's start and the first day on record.
    sessions: list[tuple[int, int, str, int]] = []  # supervisee index, supervisor, kind, day
    groups: dict[int, list[tuple[int, int, int]]] = {}  # supervisor → (index, from, to)
    for agreement in agreements:
        stop = min(
            last_day if agreement.ends < 0 else agreement.ends,
            lapsed_from[agreement.supervisee] - 1,
        )
        for kind, weeks in agreement.terms:
            interval = 7 * weeks
            if kind == "group":
                groups.setdefault(agreement.supervisor, []).append(
                    (agreement.supervisee, agreement.starts, stop)
                )
                continue
            day = max(agreement.starts, first_day) + int(rng.integers(3, interval))
            while day <= stop:
                sessions.append((agreement.supervisee, agreement.supervisor, kind, day))
                late = rng.random() < _LATE_GAP
                day += round(interval * (rng.uniform(1.1, 1.9) if late else rng.uniform(0.7, 1.0)))
    # Each supervisor's group meets about every twelve weeks, with those present that day.
    for supervisor, members in groups.items():
        day = first_day + int(rng.integers(0, _GROUP_EVERY_DAYS))
        while day <= last_day:
            present = rng.random(len(members)) < _GROUP_ATTENDANCE
            for (index, starts, stop), here in zip(members, present, strict=True):
                if here and starts <= day <= stop:
                    sessions.append((index, supervisor, "group", day))
            day += _GROUP_EVERY_DAYS + int(rng.integers(-10, 11))

    # Every one-to-one session is its own; a group session is one per supervisor and day.
    session_of: dict[tuple[int, str, int], int] = {}
    ids = iter(_keys(rng, len(sessions)))
    session_key = []
    for _, supervisor, kind, day in sessions:
        if kind == "group":
            key = session_of.setdefault((supervisor, kind, day), int(next(ids)))
        else:
            key = int(next(ids))
        session_key.append(key)
    who = np.array(who_key, np.int64)
    home = np.array(who_team, np.int64)
    agreement_keys = _keys(rng, len(agreements))
    rows = [(a, kind, weeks, key) for a, key in zip(agreements, agreement_keys, strict=True)
            for kind, weeks in a.terms]  # fmt: skip
    index = np.array([a.supervisee for a, _, _, _ in rows], np.int64)
    teams = home[index]
    terms = _table(
        "supervision_terms",
        {
            "agreement_key": pa.array([key for _, _, _, key in rows], pa.int64()),
            "supervisee_key": pa.array(who[index]),
            "supervisor_key": pa.array([a.supervisor for a, _, _, _ in rows], pa.int64()),
            "kind": pa.array([kind for _, kind, _, _ in rows], pa.string()),
            "every_weeks": pa.array([weeks for _, _, weeks, _ in rows], pa.int64()),
            "starts_on": _dates(np.array([a.starts for a, _, _, _ in rows]), days=True),
            "ends_on": _dates(np.array([a.ends for a, _, _, _ in rows]), days=True),
            "team_key": pa.array(nation.team_key[teams]),
            "organisation_key": pa.array(nation.organisation_key[teams]),
            "provider_type": _labels(nation.team_provider[teams], _PROVIDERS),
            "supervisee_is_supervisor": pa.array([who_is_supervisor[i] for i in index], pa.bool_()),
        },
    )
    attended = np.array([s[0] for s in sessions], np.int64)
    attendance = _table(
        "supervision_attendance",
        {
            "session_key": pa.array(session_key, pa.int64()),
            "supervisee_key": pa.array(who[attended]),
            "supervisor_key": pa.array([s[1] for s in sessions], pa.int64()),
            "kind": pa.array([s[2] for s in sessions], pa.string()),
            "held_on": _dates(np.array([s[3] for s in sessions]), days=True),
        },
    )
    return {"supervision_terms": terms, "supervision_attendance": attendance}


# --- writing -------------------------------------------------------------------------------------


def _written_at() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (so that a rebuild is byte for byte the same)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return moment.isoformat(timespec="seconds")


def _write(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)


def write_national_extract(
    directory: Path,
    *,
    people: int = 1_000_000,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a synthetic national research extract of ``people`` people, as of ``as_of`` (today
    unless given), into ``directory`` (absent or empty) and return the rows written per table.
    ``progress(done, total)`` is called with the people written so far after each chunk.

    The extract is built in a hidden folder beside ``directory`` and moved into place only when
    it is complete, so a failure leaves nothing half-written.
    """
    if people < 1:
        raise ValueError("A national extract needs at least one person.")
    as_of = as_of or timezone.localdate()
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ExtractNotEmpty(
            f"{directory} is not empty: choose an empty or new folder for the extract."
        )
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        nation = build_nation(seed, people, as_of)
        rows = dict.fromkeys(schema.TABLES, 0)
        for name in CHUNKED:
            (partial / name).mkdir()
        chunks = -(-people // CHUNK_PEOPLE)
        done = 0
        for number in range(chunks):
            size = min(CHUNK_PEOPLE, people - done)
            for name, table in _chunk(nation, seed, number, size).items():
                _write(table, partial / name / f"part-{number:04d}.parquet")
                rows[name] += table.num_rows
            done += size
            if progress:
                progress(done, people)
        small = {
            "measure_rules": _measure_rules_table(),
            "teams": _teams_table(nation),
            "residents": _residents_table(nation, people),
            **_supervision_tables(nation, seed),
            **_coproduction_work(nation, seed),
        }
        for name, table in small.items():
            _write(table, partial / f"{name}.parquet")
            rows[name] = table.num_rows
        manifest = {
            "schema_version": schema.SCHEMA_VERSION,
            "reference_date": as_of.isoformat(),
            "written_at": _written_at(),
            "site": f"Synthetic nation ({len(nation.sites)} made-up places)",
            "rows": rows,
            "pseudonymised": "Synthetic: every key is a random 63-bit integer",
            "generator": {
                "command": "alongside demo --scale national",
                "seed": seed,
                "people": people,
                "sites": len(nation.sites),
                "localities": len(nation.locality_names),
                "chunk_people": CHUNK_PEOPLE,
            },
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        write_dictionary(partial)
        if directory.exists():
            directory.rmdir()
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return rows
