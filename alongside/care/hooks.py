"""Hooks through which apps further along the pathway add to the key-working pages, so that care
never imports them (docs/architecture.md): each registers from its ``AppConfig.ready``.

- ``CaseloadExtras``: a column of tags on the caseload pages (outcomes adds "Measures due"),
  worked out for every row at once, so a page's number of queries does not grow with its rows;
- ``DischargeReminders``: something to do before discharge, shown on the discharge page as a
  reminder (never a block), to those who may see the part of the record it is about;
- ``TeamLinks``: a page about a team, linked from the team's caseloads page;
- ``AllocationChecks``: warnings about a new key worker (workforce: a competency the episode
  needs that they lack), given back with the allocation and shown to whoever allocated — a
  warning, never a block.

With nothing registered, the pages show none of it and work as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from django.urls import reverse

from alongside.care.models import Allocation, Episode
from alongside.sharing.models import Part

#: A design-system tag: ``{"text": "PHQ-9 overdue", "classes": "nhsuk-tag--red"}``.
Tag = dict[str, str]
TagsFor = Callable[[Sequence[Episode]], Mapping[int, list[Tag]]]


# --- Caseload columns --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtraColumn:
    heading: str
    tags_for: TagsFor
    #: What the cell says when the episode has no tags.
    empty: str


@dataclass(frozen=True)
class ExtraCell:
    heading: str
    tags: list[Tag]
    empty: str


class CaseloadExtras:
    """The registered columns, worked out for a list of episodes (one call per column, for all
    the rows together).

    ``tags_for(episodes)`` returns ``{episode_id: [tag, ...]}``; an episode it leaves out has an
    empty cell."""

    COLUMNS: ClassVar[list[ExtraColumn]] = []

    @classmethod
    def register(cls, tags_for: TagsFor, *, heading: str, empty: str = "None") -> None:
        """Add a column (once: registering the same heading again replaces it)."""
        cls.COLUMNS[:] = [c for c in cls.COLUMNS if c.heading != heading]
        cls.COLUMNS.append(ExtraColumn(heading, tags_for, empty))

    def __init__(self, episodes: Sequence[Episode]) -> None:
        self.columns = list(self.COLUMNS)
        self._tags = [col.tags_for(episodes) if episodes else {} for col in self.columns]

    @property
    def headings(self) -> list[str]:
        return [col.heading for col in self.columns]

    def cells(self, episode_id: int) -> list[ExtraCell]:
        return [
            ExtraCell(col.heading, list(tags.get(episode_id, [])), col.empty)
            for col, tags in zip(self.columns, self._tags, strict=True)
        ]


# --- Discharge reminders -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """Something to do before discharge: a heading, a sentence, the things (a list) and a link
    to where they are done."""

    title: str
    text: str
    items: list[str] = field(default_factory=list)
    link: dict[str, str] | None = None


RemindersFor = Callable[[Episode], Reminder | None]


class DischargeReminders:
    HOOKS: ClassVar[list[tuple[Part, RemindersFor]]] = []

    @classmethod
    def register(cls, reminder_for: RemindersFor, *, part: Part) -> None:
        """Remind whoever discharges (and may see ``part`` of the record) of what
        ``reminder_for(episode)`` returns, if anything."""
        if all(hook is not reminder_for for _, hook in cls.HOOKS):
            cls.HOOKS.append((part, reminder_for))

    @classmethod
    def for_episode(cls, episode: Episode, *, may_see: Callable[[Part], bool]) -> list[Reminder]:
        reminders = []
        for part, reminder_for in cls.HOOKS:
            if may_see(part):
                reminder = reminder_for(episode)
                if reminder is not None:
                    reminders.append(reminder)
        return reminders


# --- Links from the team's caseloads page ------------------------------------------------------


class TeamLinks:
    """Pages about a team (a URL name taking ``team_id``) that its lead reaches from the team's
    caseloads page."""

    ITEMS: ClassVar[list[tuple[str, str]]] = []

    @classmethod
    def add(cls, route: str, text: str) -> None:
        if all(item[0] != route for item in cls.ITEMS):
            cls.ITEMS.append((route, text))

    @classmethod
    def for_team(
        cls, team_id: int, *, may_open: Callable[[str], bool] | None = None
    ) -> list[dict[str, str]]:
        """The links for ``team_id``; given ``may_open(route)``, only those to pages the user
        may open (a page shown to a user passes it, so that it offers no page that refuses)."""
        return [
            {"href": reverse(route, kwargs={"team_id": team_id}), "text": text}
            for route, text in cls.ITEMS
            if may_open is None or may_open(route)
        ]


# --- Checks on a new allocation ----------------------------------------------------------------

#: ``check(allocation)`` returns warnings in plain English (empty when all is well). It runs in
#: the allocation's transaction, after the row is written, so it may keep what it found.
AllocationCheck = Callable[[Allocation], list[str]]


class AllocationChecks:
    """What to warn about when a key worker is allocated. A check never blocks: the allocation
    stands, and its warnings are given back on it (``allocation.warnings``)."""

    CHECKS: ClassVar[list[AllocationCheck]] = []

    @classmethod
    def register(cls, check: AllocationCheck) -> None:
        if all(c is not check for c in cls.CHECKS):
            cls.CHECKS.append(check)

    @classmethod
    def run(cls, allocation: Allocation) -> list[str]:
        warnings: list[str] = []
        for check in cls.CHECKS:
            warnings.extend(check(allocation))
        return warnings
