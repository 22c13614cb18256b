"""Reads the co-production pages, exports and tests share: a subject's reviews with the staff and
experts' scores side by side and the gap between them, the trend across reviews by quarter, the
actions agreed, which reviews are due, what is owed to experts by experience and the finance CSV.

The gap is **staff − experts**: positive where staff see more co-production than the people with
lived experience do (power is showing), negative where the experts rate higher.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from alongside.coproduction.models import (
    Characteristic,
    Involvement,
    Raters,
    Rating,
    Review,
    ReviewAction,
    Reward,
)
from alongside.core import csv
from alongside.core.dates import add_months
from alongside.organisations.models import Alliance, Membership, Organisation, Role, Team

#: A review falls due "soon" this many days ahead.
DUE_SOON_DAYS = 30


def review_months() -> int:
    """Months between reviews: ``settings.ALONGSIDE_COPRODUCTION_REVIEW_MONTHS``."""
    return settings.ALONGSIDE_COPRODUCTION_REVIEW_MONTHS


def mean(values: Sequence[int | float]) -> float | None:
    return sum(values) / len(values) if values else None


# --- Subjects ----------------------------------------------------------------------------------

TEAM, ORGANISATION, ALLIANCE = "team", "organisation", "alliance"
SUBJECT_KINDS = (TEAM, ORGANISATION, ALLIANCE)


@dataclass(frozen=True)
class Subject:
    """What a review is of: a team, an organisation (a service) or an alliance."""

    kind: str
    pk: int
    name: str
    #: The team's organisation, for a team; else empty.
    organisation_name: str = ""
    organisation_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.pk)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.organisation_name})" if self.organisation_name else self.name

    @property
    def kind_label(self) -> str:
        return {TEAM: "Team", ORGANISATION: "Service", ALLIANCE: "Alliance"}[self.kind]

    @property
    def review_filter(self) -> dict[str, int]:
        return {f"{self.kind}_id": self.pk}

    def instance(self) -> Team | Organisation | Alliance:
        """The model the subject stands for (what the services take)."""
        model = {TEAM: Team, ORGANISATION: Organisation, ALLIANCE: Alliance}[self.kind]
        return model.objects.get(pk=self.pk)

    def reviews(self) -> QuerySet[Review]:
        return Review.objects.filter(**self.review_filter)

    def team_ids(self) -> list[int]:
        """The teams whose people's care the subject covers: the team, the service's teams, or
        the teams of the alliance's organisations."""
        if self.kind == TEAM:
            return [self.pk]
        teams = Team.objects.all()
        if self.kind == ORGANISATION:
            teams = teams.filter(organisation_id=self.pk)
        else:
            teams = teams.filter(organisation__alliances=self.pk)
        return list(teams.values_list("pk", flat=True))

    @classmethod
    def of_team(cls, team: Team) -> Subject:
        return cls(TEAM, team.pk, team.name, team.organisation.name, team.organisation_id)

    @classmethod
    def of_organisation(cls, organisation: Organisation) -> Subject:
        return cls(ORGANISATION, organisation.pk, organisation.name)

    @classmethod
    def of_alliance(cls, alliance: Alliance) -> Subject:
        return cls(ALLIANCE, alliance.pk, alliance.name)

    @classmethod
    def of_review(cls, review: Review) -> Subject:
        if review.team_id:
            return cls.of_team(review.team)
        if review.organisation_id:
            return cls.of_organisation(review.organisation)
        return cls.of_alliance(review.alliance)


def subject_key(team_id: int | None, organisation_id: int | None, alliance_id: int | None) -> tuple:
    if team_id:
        return (TEAM, team_id)
    if organisation_id:
        return (ORGANISATION, organisation_id)
    return (ALLIANCE, alliance_id)


def find_subject(kind: str, pk: int) -> Subject | None:
    if kind == TEAM:
        team = Team.objects.select_related("organisation").filter(pk=pk).first()
        return Subject.of_team(team) if team else None
    if kind == ORGANISATION:
        organisation = Organisation.objects.filter(pk=pk).first()
        return Subject.of_organisation(organisation) if organisation else None
    if kind == ALLIANCE:
        alliance = Alliance.objects.filter(pk=pk).first()
        return Subject.of_alliance(alliance) if alliance else None
    return None


def expected_subjects(
    teams: QuerySet[Team], organisations: QuerySet[Organisation], alliances: QuerySet[Alliance]
) -> list[Subject]:
    """The subjects among those given that are expected to review themselves: teams that work
    with people (someone holds a key worker's role in them now), organisations with such a
    team, and every alliance; any that has already held a review is listed too."""
    caring = Membership.objects.active().filter(role=Role.PRACTITIONER)
    reviewed_teams = Review.objects.filter(team__isnull=False).values("team_id")
    reviewed_organisations = Review.objects.filter(organisation__isnull=False).values(
        "organisation_id"
    )
    team_rows = list(
        teams.filter(Q(pk__in=caring.values("team_id")) | Q(pk__in=reviewed_teams))
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")
    )
    organisation_rows = list(
        organisations.filter(
            Q(pk__in=caring.values("team__organisation_id")) | Q(pk__in=reviewed_organisations)
        ).order_by("name", "pk")
    )
    return (
        [Subject.of_alliance(a) for a in alliances.order_by("name", "pk")]
        + [Subject.of_organisation(o) for o in organisation_rows]
        + [Subject.of_team(t) for t in team_rows]
    )


# --- A review's figures ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """One characteristic in one review: each group's score and evidence, and the gap."""

    characteristic: Characteristic
    staff: int | None = None
    experts: int | None = None
    staff_evidence: str = ""
    experts_evidence: str = ""

    @property
    def gap(self) -> int | None:
        """Staff − experts; ``None`` unless both groups rated it."""
        if self.staff is None or self.experts is None:
            return None
        return self.staff - self.experts


@dataclass
class ReviewFigures:
    review: Review
    scores: list[Scores]

    def _of(self, group: str) -> list[int]:
        return [getattr(s, group) for s in self.scores if getattr(s, group) is not None]

    @property
    def has_staff(self) -> bool:
        return bool(self._of(Raters.STAFF))

    @property
    def has_experts(self) -> bool:
        return bool(self._of(Raters.EXPERTS))

    @property
    def staff_mean(self) -> float | None:
        return mean(self._of(Raters.STAFF))

    @property
    def experts_mean(self) -> float | None:
        return mean(self._of(Raters.EXPERTS))

    @property
    def mean_gap(self) -> float | None:
        """The mean of the characteristics' gaps (those both groups rated)."""
        return mean([s.gap for s in self.scores if s.gap is not None])

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.review.held_on)


def _scores(review_ids: Iterable[int]) -> dict[int, list[Scores]]:
    """Each review's six :class:`Scores`, from one query."""
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    rows = Rating.objects.filter(review_id__in=list(review_ids)).values_list(
        "review_id", "raters", "characteristic", "score", "evidence"
    )
    for review_id, raters, characteristic, score, evidence in rows:
        found[review_id][characteristic][raters] = score
        found[review_id][characteristic][f"{raters}_evidence"] = evidence
    return {
        review_id: [Scores(c, **by_characteristic.get(c.value, {})) for c in Characteristic]
        for review_id, by_characteristic in found.items()
    }


def review_figures(reviews: Iterable[Review]) -> list[ReviewFigures]:
    """The figures of each review given, in the order given (two queries at most)."""
    reviews = list(reviews)
    scores = _scores(r.pk for r in reviews)
    empty = [Scores(c) for c in Characteristic]
    return [ReviewFigures(r, scores.get(r.pk, empty)) for r in reviews]


def subject_reviews(subject: Subject) -> list[ReviewFigures]:
    """The subject's reviews, oldest first, each with its figures."""
    reviews = subject.reviews().prefetch_related("experts").order_by("held_on", "pk")
    return review_figures(reviews)


# --- The trend ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (January to March is the first)."""

    year: int
    number: int

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def label(self) -> str:
        first = self.starts_on
        last = dt.date(self.year, 3 * self.number, 1)
        return f"{first:%b} to {last:%b} {self.year}"

    @property
    def months_label(self) -> str:
        """'Jan–Mar', for a chart's axis (the year goes beneath)."""
        first = self.starts_on
        return f"{first:%b}–{dt.date(self.year, 3 * self.number, 1):%b}"


@dataclass(frozen=True)
class TrendPoint:
    quarter: Quarter
    figures: ReviewFigures

    @property
    def staff_mean(self) -> float | None:
        return self.figures.staff_mean

    @property
    def experts_mean(self) -> float | None:
        return self.figures.experts_mean

    @property
    def mean_gap(self) -> float | None:
        return self.figures.mean_gap


def trend(figures: Sequence[ReviewFigures]) -> list[TrendPoint]:
    """Each group's mean per review, by quarter, oldest first: for each quarter the latest review
    held in it that has any ratings (an earlier one in the same quarter is superseded)."""
    latest: dict[Quarter, ReviewFigures] = {}
    for f in sorted(figures, key=lambda f: (f.review.held_on, f.review.pk)):
        if f.has_staff or f.has_experts:
            latest[f.quarter] = f
    return [TrendPoint(q, latest[q]) for q in sorted(latest)]


# --- Actions -----------------------------------------------------------------------------------


def subject_actions(subject: Subject) -> tuple[list[ReviewAction], list[ReviewAction]]:
    """The actions the subject's reviews agreed: (open, soonest due first; completed, latest
    first)."""
    actions = list(
        ReviewAction.objects.filter(**{f"review__{k}": v for k, v in subject.review_filter.items()})
        .select_related("owner", "completed_by", "review")
        .order_by("due_on", "pk")
    )
    still_open = [a for a in actions if a.completed_on is None]
    done = sorted(
        (a for a in actions if a.completed_on is not None),
        key=lambda a: (a.completed_on, a.pk),
        reverse=True,
    )
    return still_open, done


# --- Reviews due -------------------------------------------------------------------------------

NEVER, OVERDUE, DUE, DUE_SOON, NOT_DUE = "never", "overdue", "due", "due_soon", "not_due"


@dataclass(frozen=True)
class Due:
    last_held_on: dt.date | None
    due_on: dt.date
    status: str

    @classmethod
    def after(cls, last_held_on: dt.date | None, today: dt.date, months: int) -> Due:
        """When the next review is due: ``months`` after the last one; never reviewed is due
        now."""
        if last_held_on is None:
            return cls(None, today, NEVER)
        due_on = add_months(last_held_on, months)
        if due_on < today:
            status = OVERDUE
        elif due_on == today:
            status = DUE
        elif (due_on - today).days <= DUE_SOON_DAYS:
            status = DUE_SOON
        else:
            status = NOT_DUE
        return cls(last_held_on, due_on, status)


@dataclass
class OverviewRow:
    subject: Subject
    due: Due
    #: The latest review with any ratings, and its figures.
    latest: ReviewFigures | None = None
    open_actions: int = 0
    reviews: int = 0


def overview(subjects: Sequence[Subject], *, today: dt.date | None = None) -> list[OverviewRow]:
    """For each subject: its last review and when the next is due, the latest staff and experts'
    means and their gap, and its open actions. A fixed number of queries, however many
    subjects."""
    today = today or timezone.localdate()
    months = review_months()
    wanted = {s.key for s in subjects}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in wanted:
        by_kind[kind].append(pk)
    in_scope = Q(pk__in=[])
    for kind, pks in by_kind.items():
        in_scope |= Q(**{f"{kind}_id__in": pks})
    rated = Rating.objects.filter(review=OuterRef("pk"))
    reviews = list(
        Review.objects.filter(in_scope)
        .annotate(rated=Exists(rated))
        .order_by("held_on", "pk")
        .only("pk", "team_id", "organisation_id", "alliance_id", "held_on")
    )
    last: dict[tuple, Review] = {}
    last_rated: dict[tuple, Review] = {}
    count: dict[tuple, int] = defaultdict(int)
    for review in reviews:
        key = subject_key(review.team_id, review.organisation_id, review.alliance_id)
        last[key] = review
        count[key] += 1
        if review.rated:
            last_rated[key] = review
    figures = {f.review.pk: f for f in review_figures(last_rated.values())}
    open_counts: dict[tuple, int] = defaultdict(int)
    for row in (
        ReviewAction.objects.filter(completed_on__isnull=True, review__in=[r.pk for r in reviews])
        .values("review__team_id", "review__organisation_id", "review__alliance_id")
        .annotate(n=Count("pk"))
    ):
        key = subject_key(
            row["review__team_id"], row["review__organisation_id"], row["review__alliance_id"]
        )
        open_counts[key] += row["n"]
    return [
        OverviewRow(
            subject=s,
            due=Due.after(last[s.key].held_on if s.key in last else None, today, months),
            latest=figures[last_rated[s.key].pk] if s.key in last_rated else None,
            open_actions=open_counts[s.key],
            reviews=count[s.key],
        )
        for s in subjects
    ]


# --- Payments ----------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class PaymentsFilter:
    """Involvements for finance: those of these organisations (the ones owing), from the first
    day of ``first_month`` to the last day of ``last_month``."""

    organisation_ids: tuple[int, ...]
    first_month: dt.date
    last_month: dt.date

    @property
    def starts_on(self) -> dt.date:
        return month_start(self.first_month)

    @property
    def ends_on(self) -> dt.date:
        return month_end(self.last_month)


def payable(chosen: PaymentsFilter) -> QuerySet[Involvement]:
    """The involvements that earn a payment or vouchers (volunteers' are left out), in the
    period, for the organisations, by date."""
    return (
        Involvement.objects.filter(
            organisation_id__in=chosen.organisation_ids,
            on__gte=chosen.starts_on,
            on__lte=chosen.ends_on,
            reward__in=[Reward.PAYMENT, Reward.VOUCHER],
        )
        .select_related("expert", "organisation")
        .order_by("on", "expert__family_name", "expert__given_name", "pk")
    )


@dataclass
class Owed:
    """What one expert is owed for one month's involvements (of the filtered organisations)."""

    expert_id: int
    full_name: str
    month: dt.date
    involvements: list[Involvement] = field(default_factory=list)

    @property
    def hours(self) -> Decimal:
        return sum((i.hours for i in self.involvements), Decimal("0"))

    @property
    def owed(self) -> Decimal:
        return sum((i.owed for i in self.involvements), Decimal("0"))

    @property
    def paid(self) -> Decimal:
        return sum((i.owed for i in self.involvements if i.paid_on), Decimal("0"))

    @property
    def unpaid(self) -> Decimal:
        return self.owed - self.paid

    @property
    def unpaid_involvements(self) -> list[Involvement]:
        return [i for i in self.involvements if i.paid_on is None and i.owed > 0]


def owed_by_expert_and_month(chosen: PaymentsFilter) -> list[Owed]:
    """What is owed, per expert and month, by month then name."""
    groups: dict[tuple[int, dt.date], Owed] = {}
    for involvement in payable(chosen):
        key = (involvement.expert_id, month_start(involvement.on))
        if key not in groups:
            groups[key] = Owed(involvement.expert_id, involvement.expert.full_name, key[1])
        groups[key].involvements.append(involvement)
    return sorted(groups.values(), key=lambda o: (o.month, o.full_name.lower(), o.expert_id))


CSV_HEADINGS = [
    "Date",
    "Expert full name",
    "Expert reference",
    "Organisation",
    "Kind of involvement",
    "Hours",
    "Hourly rate (£)",
    "Reward",
    "Amount owed (£)",
    "Paid on",
]


def payments_csv(chosen: PaymentsFilter) -> str:
    """One row per involvement that earns payment or vouchers, then a totals row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADINGS)
    hours = owed = Decimal("0")
    rows = 0
    for i in payable(chosen):
        writer.writerow(
            [
                i.on.isoformat(),
                i.expert.full_name,
                i.expert_id,
                i.organisation.name,
                i.get_kind_display(),
                f"{i.hours:.2f}",
                f"{i.hourly:.2f}",
                i.get_reward_display(),
                f"{i.owed:.2f}",
                i.paid_on.isoformat() if i.paid_on else "",
            ]
        )
        hours += i.hours
        owed += i.owed
        rows += 1
    writer.writerow(
        [f"Total ({rows} involvements)", "", "", "", "", f"{hours:.2f}", "", "", f"{owed:.2f}", ""]
    )
    return out.getvalue()


# --- You said, we did --------------------------------------------------------------------------


def you_said_we_did(
    *, team_ids: Iterable[int] | None = None, locality_id: int | None = None
) -> QuerySet[Involvement]:
    """Involvements that changed something ('you said, we did'), newest change first: of some
    teams, of the teams serving a locality, or of the whole place."""
    found = Involvement.objects.exclude(changed="")
    if team_ids is not None:
        found = found.filter(team_id__in=list(team_ids))
    if locality_id is not None:
        found = found.filter(team__localities=locality_id)
    return found.select_related("expert", "team", "organisation").order_by(
        "-changed_on", "-on", "-pk"
    )
