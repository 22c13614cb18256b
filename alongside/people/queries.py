"""Reads about people who need support.

Only counts live here so far: they carry no one's identity, so analysts and dashboards may use
them. Reads of a person's own record will go through the sharing module's access check.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from alongside.people.models import ETHNIC_GROUPS, Person

#: Age bands (ONS style): (label, youngest age in the band). The last band has no upper age.
AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("Under 18", 0),
    ("18 to 24", 18),
    ("25 to 34", 25),
    ("35 to 44", 35),
    ("45 to 54", 45),
    ("55 to 64", 55),
    ("65 to 74", 65),
    ("75 and over", 75),
)

#: The ethnic groups in the order the NHS Data Dictionary lists them.
ETHNIC_GROUP_ORDER: tuple[str, ...] = tuple(dict.fromkeys(ETHNIC_GROUPS.values()))


def registration_counts(*, today: dt.date, recent_days: int = 7) -> dict[str, int]:
    """How many people are registered, and how many of them in the last ``recent_days`` days."""
    since = today - dt.timedelta(days=recent_days - 1)
    return Person.objects.aggregate(
        total=Count("id"), recent=Count("id", filter=Q(created_at__date__gte=since))
    )


def counts_by_ethnic_group() -> dict[str, int]:
    """People per ethnic group (the Data Dictionary's groups of ethnic categories)."""
    rows = Person.objects.order_by().values("ethnicity").annotate(n=Count("id"))
    counts: Counter[str] = Counter()
    for row in rows:
        counts[ETHNIC_GROUPS[row["ethnicity"]]] += row["n"]
    return {group: counts[group] for group in ETHNIC_GROUP_ORDER}


def counts_by_imd_decile() -> dict[int | None, int]:
    """People per deprivation decile (1 = most deprived); ``None`` where it is not known."""
    rows = Person.objects.order_by().values("imd_decile").annotate(n=Count("id"))
    found = {row["imd_decile"]: row["n"] for row in rows}
    return {decile: found.get(decile, 0) for decile in [*range(1, 11), None]}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def counts_by_age_band(*, today: dt.date) -> dict[str, int]:
    """People per age band on ``today``, worked out in the database."""
    whens = [
        When(date_of_birth__lte=_years_before(today, youngest), then=Value(label))
        for label, youngest in reversed(AGE_BANDS)
        if youngest > 0
    ]
    rows = (
        Person.objects.order_by()
        .annotate(band=Case(*whens, default=Value(AGE_BANDS[0][0]), output_field=CharField()))
        .values("band")
        .annotate(n=Count("id"))
    )
    found = {row["band"]: row["n"] for row in rows}
    return {label: found.get(label, 0) for label, _ in AGE_BANDS}


def counts_by_stated_gender() -> dict[str, int]:
    """People per stated gender code (``StatedGender`` values)."""
    rows = Person.objects.order_by().values("stated_gender").annotate(n=Count("id"))
    return {row["stated_gender"]: row["n"] for row in rows}


def reachable(people: QuerySet[Person]) -> QuerySet[Person]:
    """A scoped queryset of people (from the sharing module), ordered for a list."""
    return people.select_related("registered_gp_practice").order_by(
        "family_name", "given_name", "id"
    )


def search(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """Narrow a scoped list by NHS number (exact) or by name (each word matches a name)."""
    digits = "".join(c for c in query if c.isdigit())
    if len(digits) == 10 and len(digits) >= len(query.replace(" ", "")) - 2:
        return people.filter(nhs_number=digits)
    for word in query.split():
        people = people.filter(
            Q(given_name__icontains=word)
            | Q(family_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    return people
