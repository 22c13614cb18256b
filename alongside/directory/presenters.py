"""What the directory's pages show of a service: plain-English schedules, ages, distances."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.text import Truncator

from alongside.core.formats import date as long_date
from alongside.directory.models import Service, ServiceStatus

METRES_PER_MILE = 1_609.344
DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
DAY_ORDER = list(DAY_NAMES)


def clock(value: dt.time) -> str:
    """A time as people say it: 10am, 5:30pm, midday."""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def describe_days(codes: list[str]) -> str:
    days = sorted({c for c in codes if c in DAY_NAMES}, key=DAY_ORDER.index)
    if days == DAY_ORDER[:5]:
        return "Monday to Friday"
    if days == DAY_ORDER:
        return "Every day"
    if len(days) >= 3 and DAY_ORDER.index(days[-1]) - DAY_ORDER.index(days[0]) == len(days) - 1:
        return f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
    return join_words([f"{DAY_NAMES[d]}s" for d in days])


def describe_schedules(schedules: list[Any]) -> list[str]:
    """Weekly opening times grouped by hours: 'Mondays and Thursdays, 10am to 6pm'."""
    by_hours: OrderedDict[tuple, list[str]] = OrderedDict()
    other: list[str] = []
    for schedule in schedules:
        if (
            schedule.freq == "WEEKLY"
            and schedule.byday
            and schedule.opens_at
            and schedule.closes_at
        ):
            key = (schedule.opens_at, schedule.closes_at)
            by_hours.setdefault(key, []).extend(code.strip() for code in schedule.byday.split(","))
        elif schedule.description:
            other.append(schedule.description)
    lines = []
    for (opens, closes), days in sorted(
        by_hours.items(),
        key=lambda item: min(DAY_ORDER.index(d) for d in item[1] if d in DAY_NAMES),
    ):
        lines.append(f"{describe_days(days)}, {clock(opens)} to {clock(closes)}")
    return lines + other


def describe_ages(minimum: int | None, maximum: int | None) -> str:
    if minimum is None and maximum is None:
        return "All ages"
    if maximum is None:
        return f"Aged {minimum} and over"
    if minimum is None:
        return f"Aged up to {maximum}"
    return f"Aged {minimum} to {maximum}"


def describe_distance(metres: float | None) -> str:
    if metres is None:
        return ""
    miles = metres / METRES_PER_MILE
    if miles < 0.1:
        return "Less than 0.1 miles away"
    return f"{miles:.1f} miles away"


@dataclass
class ServicePresenter:
    service: Service
    show_staff_notes: bool = False
    search: str = ""  # the search it was found by (a query string), carried to its page

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def href(self) -> str:
        page = reverse("directory:service", kwargs={"service_id": self.service.pk})
        return f"{page}?{self.search}" if self.search else page

    @property
    def organisation(self) -> str:
        return self.service.organization.name

    @property
    def summary(self) -> str:
        return Truncator(self.service.description).words(30)

    @property
    def needs(self) -> list[str]:
        names = getattr(self.service, "need_names", None)  # gathered by search_results
        return names if names is not None else [t.name for t in self.service.taxonomy_terms.all()]

    @property
    def distance(self) -> str:
        return describe_distance(getattr(self.service, "distance", None))

    @property
    def self_referral(self) -> bool:
        return self.service.accepts_self_referral

    @property
    def localities(self) -> str:
        names = getattr(self.service, "locality_names", None)  # gathered by search_results
        if names is None:
            names = [locality.name for locality in self.service.localities.all()]
        return join_words(sorted(names))

    @property
    def status(self) -> str:
        if self.service.status == ServiceStatus.ACTIVE:
            return ""
        return self.service.get_status_display()

    @property
    def ages(self) -> str:
        return describe_ages(self.service.minimum_age, self.service.maximum_age)

    @property
    def eligibility(self) -> str:
        return self.service.eligibility_description

    @property
    def phones(self) -> list[dict[str, str]]:
        phones = list(self.service.phones.all())
        for contact in self.service.contacts.all():
            phones.extend(contact.phones.all())
        for at in self.service.service_at_locations.all():
            phones.extend(at.phones.all())
        seen: set[str] = set()
        rows = []
        for phone in phones:
            if phone.number in seen:
                continue
            seen.add(phone.number)
            rows.append(
                {
                    "number": phone.number,
                    "tel": phone.number.replace(" ", ""),
                    "description": phone.description,
                }
            )
        return rows

    @property
    def places(self) -> list[dict[str, Any]]:
        rows = []
        for at in self.service.service_at_locations.all():
            location = at.location
            addresses = [
                ", ".join(
                    part for part in (a.address_1, a.address_2, a.city, a.postal_code) if part
                )
                for a in location.addresses.all()
            ]
            rows.append(
                {
                    "name": location.name,
                    "addresses": addresses,
                    "opening": describe_schedules(list(at.schedules.all())),
                    "accessibility": [
                        a.description or a.details for a in location.accessibility.all()
                    ],
                }
            )
        return rows

    @property
    def opening(self) -> list[str]:
        return describe_schedules(list(self.service.schedules.all()))

    @property
    def languages(self) -> str:
        return join_words([lang.name or lang.code for lang in self.service.languages.all()])

    @property
    def cost(self) -> list[str]:
        lines = [self.service.fees_description] if self.service.fees_description else []
        for option in self.service.cost_options.all():
            text = option.option or option.amount_description
            if option.amount is not None:
                text = f"{text}: £{option.amount:.2f}" if text else f"£{option.amount:.2f}"
            if text:
                lines.append(text)
        return lines or ["Free"]

    @property
    def last_reviewed(self) -> str:
        day = self.service.last_reviewed_on
        return long_date(day) if day else "Not yet reviewed"

    @property
    def how_to_refer(self) -> str:
        return self.service.how_to_refer if self.show_staff_notes else ""
