"""Reads about key working that pages, exports and benchmarks share: a person's episodes and
contacts, a key worker's caseload, a team's caseloads, and who may read a contact's note.

Each list is one statement for its rows, with what the page shows joined or annotated in, so the
number of queries a page makes does not grow with the caseload or with years of contacts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import (
    Allocation,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    ContactPreferences,
    Episode,
    Intensity,
    IntensityChange,
    NoteSharing,
    Outcome,
    PlanNote,
    RiskFlag,
)
from alongside.organisations.models import Membership, Role, Team
from alongside.organisations.queries import duty_teams
from alongside.people.models import Person
from alongside.sharing import policy
from alongside.sharing.models import Basis

#: Roles that may hold a caseload (be someone's key worker); the same as accepting allows.
KEY_WORKER_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.TEAM_LEAD)
#: Roles that may see every caseload of their team and reallocate.
CASELOAD_LEAD_ROLES = (Role.TEAM_LEAD, Role.SUPERVISOR)
#: A person with no attended contact for this long is flagged on the key worker's caseload.
NOT_SEEN_WEEKS = 4


# --- A person's episodes -----------------------------------------------------------------------


def _current_allocations() -> Prefetch:
    return Prefetch(
        "allocations",
        queryset=Allocation.objects.filter(ended_at__isnull=True).select_related("key_worker"),
        to_attr="current_allocations",
    )


def episodes_of(person: Person) -> list[Episode]:
    """The person's episodes, open ones first then newest first, each with its lead team and
    ``current_allocations`` (zero or one)."""
    return list(
        Episode.objects.filter(person=person)
        .select_related("lead_team__organisation", "referral")
        .prefetch_related(_current_allocations())
        .order_by(F("ended_at").desc(nulls_first=True), "-started_at", "-id")
    )


def choose_episode(
    episodes: Iterable[Episode], wanted: str | int | None, *, open_only: bool = True
) -> Episode | None:
    """The episode a page is about: the one asked for (among the person's own, so an id from
    another record is never used), else the newest open one (or newest of all)."""
    candidates = [e for e in episodes if not open_only or e.ended_at is None]
    for episode in candidates:
        if str(episode.pk) == str(wanted):
            return episode
    return candidates[0] if candidates else None


def episode_for(
    user: User, episodes: Iterable[Episode], wanted: str | int | None
) -> Episode | None:
    """The open episode a change is about: the one asked for (among the person's own), else the
    one the user is key worker for, else one their team leads, else the newest open one."""
    candidates = [e for e in episodes if e.ended_at is None]
    if wanted is not None or len(candidates) < 2:
        return choose_episode(candidates, wanted)
    for episode in candidates:
        worker = current_key_worker(episode)
        if worker is not None and worker.pk == user.pk:
            return episode
    teams = set(policy.care_memberships(user).values_list("team_id", flat=True))
    return next((e for e in candidates if e.lead_team_id in teams), candidates[0])


def current_key_worker(episode: Episode) -> User | None:
    allocations = getattr(episode, "current_allocations", None)
    if allocations is None:
        allocations = list(
            episode.allocations.filter(ended_at__isnull=True).select_related("key_worker")
        )
    return allocations[0].key_worker if allocations else None


def allocation_history(episode: Episode) -> QuerySet[Allocation]:
    """Every key worker the episode has had, oldest first, with who allocated them and why."""
    return episode.allocations.select_related("key_worker", "allocated_by").order_by(
        "started_at", "id"
    )


def intensity_history(episode: Episode) -> QuerySet[IntensityChange]:
    return episode.intensity_changes.select_related("changed_by").order_by("changed_at", "id")


def starting_intensity(episode: Episode) -> str | None:
    """The intensity the episode opened with, from the record's own history (the first change
    records only where support stepped to). ``None`` if that history is missing."""
    return (
        Episode.pgh_event_model.objects.filter(pgh_obj_id=episode.pk, pgh_label="insert")
        .order_by("pgh_id")
        .values_list("intensity", flat=True)
        .first()
    )


@dataclass(frozen=True)
class IntensityStep:
    """One row of the history: where support stepped from and to, when, why, by whom."""

    intensity: str
    previous: str | None
    changed_at: dt.datetime | None
    reason: str
    by: str

    @property
    def direction(self) -> str:
        order = list(Intensity.values)
        if self.previous is None:
            return "start"
        return "up" if order.index(self.intensity) > order.index(self.previous) else "down"


def intensity_steps(episode: Episode) -> list[IntensityStep]:
    """The whole history of stepping up and down, starting with the intensity the episode opened
    with."""
    changes = list(intensity_history(episode))
    start = starting_intensity(episode) if changes else episode.intensity
    steps = [
        IntensityStep(
            intensity=start or "",
            previous=None,
            changed_at=episode.started_at,
            reason="Starting intensity",
            by="",
        )
    ]
    previous = start
    for change in changes:
        steps.append(
            IntensityStep(
                intensity=change.intensity,
                previous=previous,
                changed_at=change.changed_at,
                reason=change.reason,
                by=change.changed_by.display_name,
            )
        )
        previous = change.intensity
    return steps


def care_team_of(episode: Episode, *, current_only: bool = False) -> QuerySet[CareTeamMember]:
    members = episode.care_team.select_related("user", "team__organisation")
    if current_only:
        members = members.filter(ended_at__isnull=True)
    return members.order_by(F("ended_at").desc(nulls_first=True), "started_at", "id")


def teams_for_care_team(episode: Episode) -> QuerySet[Membership]:
    """Whom the care team can be drawn from: people with a care role in the lead team, the
    partner teams, or any team serving the lead team's localities (from any organisation)."""
    localities = episode.lead_team.localities.values("pk")
    teams = Team.objects.filter(
        Q(pk=episode.lead_team_id)
        | Q(pk__in=episode.partner_teams.values("pk"))
        | Q(localities__in=localities)
    ).values("pk")
    return (
        Membership.objects.active()
        .filter(team__in=teams, role__in=policy.CARE_ROLES)
        .select_related("user", "team__organisation")
        .order_by("user__last_name", "user__first_name", "team__name", "id")
    )


def possible_key_workers(episode: Episode) -> QuerySet[Membership]:
    """People who may be the episode's key worker: a key-working role in the lead team or a
    partner team."""
    return (
        Membership.objects.active()
        .filter(
            Q(team_id=episode.lead_team_id) | Q(team__in=episode.partner_teams.all()),
            role__in=KEY_WORKER_ROLES,
        )
        .select_related("user", "team")
        .order_by("user__last_name", "user__first_name", "id")
    )


def contact_team_for(user: User, episode: Episode) -> Team | None:
    """The team a user records a contact for: the lead team if they work in it, else the team
    they are in the care team for, else a partner team, else their first team with a care role."""
    memberships = list(
        policy.care_memberships(user).select_related("team").order_by("started_on", "id")
    )
    teams = {m.team_id: m.team for m in memberships}
    if episode.lead_team_id in teams:
        return teams[episode.lead_team_id]
    place = (
        CareTeamMember.objects.filter(episode=episode, user=user, ended_at__isnull=True)
        .select_related("team")
        .first()
    )
    if place is not None:
        return place.team
    partners = set(episode.partner_teams.values_list("pk", flat=True))
    for team_id, team in teams.items():
        if team_id in partners:
            return team
    return memberships[0].team if memberships else None


# --- Contacts ----------------------------------------------------------------------------------

_CONTACT_RELATED = ("practitioner", "team__organisation")


def contacts_of(person: Person) -> QuerySet[Contact]:
    """Contacts that have happened (or were missed or cancelled), newest first."""
    return (
        Contact.objects.filter(episode__person=person)
        .exclude(outcome=Outcome.PLANNED)
        .select_related(*_CONTACT_RELATED)
        .order_by("-starts_at", "-id")
    )


def appointments_of(person: Person) -> QuerySet[Contact]:
    """Planned contacts with nothing yet recorded about them, soonest first (those in the past
    need their outcome recorded)."""
    return (
        Contact.objects.filter(episode__person=person, outcome=Outcome.PLANNED)
        .select_related(*_CONTACT_RELATED)
        .order_by("starts_at", "id")
    )


def open_appointments(episode: Episode) -> QuerySet[Contact]:
    return (
        episode.contacts.filter(outcome=Outcome.PLANNED)
        .select_related(*_CONTACT_RELATED)
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class NoteReader:
    """Who is reading contact notes, and so which notes they may read.

    - care team: anyone who may see the contacts part;
    - organisation only: people with an active membership in a team of the organisation of the
      team that recorded the contact;
    - the person: the care team, and the person themself (who reads only these).
    """

    is_the_person: bool
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user: User, basis: Basis) -> NoteReader:
        organisations = frozenset(
            Membership.objects.active()
            .filter(user=user)
            .values_list("team__organisation_id", flat=True)
        )
        return cls(is_the_person=basis == Basis.SELF, organisation_ids=organisations)

    def may_read(self, contact: Contact) -> bool:
        if self.is_the_person:
            return contact.note_sharing == NoteSharing.PERSON
        if contact.note_sharing == NoteSharing.ORGANISATION:
            return contact.team.organisation_id in self.organisation_ids
        return True


# --- Caseloads ---------------------------------------------------------------------------------


def _attended(after: dt.datetime | None = None) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(episode=OuterRef("pk"), outcome=Outcome.ATTENDED)
    return contacts.filter(starts_at__gte=after) if after else contacts


def not_seen_since(cutoff: dt.datetime) -> Q:
    """Episodes open since before ``cutoff`` with no attended contact since then: 'not seen in N
    weeks'. An episode opened more recently is not yet counted (it is waiting for a first
    contact, which the referral worklists show)."""
    return Q(started_at__lt=cutoff) & ~Exists(_attended(cutoff))


#: What a caseload row reads of the episode and the person (and nothing else of the record).
CASELOAD_FIELDS = (
    "id",
    "person_id",
    "lead_team_id",
    "referral_id",
    "started_at",
    "ended_at",
    "intensity",
    "person__id",
    "person__given_name",
    "person__family_name",
    "person__preferred_name",
)


def with_caseload_columns(episodes: QuerySet[Episode], *, now: dt.datetime) -> QuerySet[Episode]:
    """Annotate what a caseload row shows, all in the one statement: ``last_seen`` (last attended
    contact), ``next_contact`` (next appointment), ``overdue_appointments`` (appointments past
    with no outcome), ``has_plan``, ``review_on`` (the current plan version's review date),
    ``unread_notes`` (from the person), ``open_risk_said`` and ``open_risk_at`` (the latest risk
    flag nobody has acted on), and ``allocated_at``."""
    planned = Contact.objects.filter(episode=OuterRef("pk"), outcome=Outcome.PLANNED)
    open_risks = RiskFlag.objects.filter(episode=OuterRef("pk"), acted_at__isnull=True).order_by(
        "-raised_at", "-id"
    )
    current_version = CarePlanVersion.objects.filter(
        plan__episode=OuterRef("pk"), number=F("plan__current_version")
    )
    return episodes.annotate(
        last_seen=Subquery(_attended().order_by("-starts_at").values("starts_at")[:1]),
        next_contact=Subquery(
            planned.filter(starts_at__gte=now).order_by("starts_at").values("starts_at")[:1]
        ),
        overdue_appointments=Exists(planned.filter(starts_at__lt=now)),
        has_plan=Exists(CarePlan.objects.filter(episode=OuterRef("pk"), current_version__gte=1)),
        review_on=Subquery(current_version.values("review_on")[:1]),
        unread_notes=Exists(PlanNote.objects.filter(episode=OuterRef("pk"), read_at__isnull=True)),
        open_risk_said=Subquery(open_risks.values("said")[:1]),
        open_risk_at=Subquery(open_risks.values("raised_at")[:1]),
        allocated_at=Subquery(
            Allocation.objects.filter(episode=OuterRef("pk"), ended_at__isnull=True).values(
                "started_at"
            )[:1]
        ),
    )


def caseload(user: User, *, now: dt.datetime | None = None) -> QuerySet[Episode]:
    """The open episodes where ``user`` is the current key worker (and whom a basis lets them
    reach), by family name, with the caseload columns."""
    moment = now or timezone.now()
    mine = Allocation.objects.filter(key_worker=user, ended_at__isnull=True).values("episode")
    episodes = (
        Episode.objects.open()
        .filter(pk__in=mine, person__in=policy.visible_people(user).values("pk"))
        .select_related("person")
        .only(*CASELOAD_FIELDS)
    )
    return with_caseload_columns(episodes, now=moment).order_by(
        "person__family_name", "person__given_name", "id"
    )


def intensity_counts(episodes: Iterable[Episode]) -> dict[str, int]:
    counts = dict.fromkeys(Intensity.values, 0)
    for episode in episodes:
        counts[episode.intensity] += 1
    return counts


def teams_led_by(user: User) -> QuerySet[Team]:
    """Teams whose caseloads the user may see: where they are team lead or supervisor."""
    return (
        Team.objects.filter(
            pk__in=Membership.objects.active()
            .filter(user=user, role__in=CASELOAD_LEAD_ROLES)
            .values("team_id")
        )
        .select_related("organisation")
        .order_by("name")
    )


@dataclass
class WorkerCaseload:
    """One key worker's line on the team's page."""

    worker: User
    size: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0
    not_seen: int = 0
    in_team: bool = True


def team_open_episodes(team: Team, user: User) -> QuerySet[Episode]:
    """The team's open episodes that the user may reach (all of them, for its lead)."""
    return Episode.objects.open().filter(
        lead_team=team, person__in=policy.visible_people(user).values("pk")
    )


def worker_caseloads(team: Team, *, cutoff: dt.datetime) -> list[WorkerCaseload]:
    """Per key worker of the team: caseload size, intensity mix and how many people they have
    not seen since ``cutoff``. Every practitioner in the team is listed (with nothing, if they
    hold no caseload); so is anyone else holding one of the team's episodes (a team lead, or
    someone from a partner team). Two statements, three if someone from elsewhere holds one."""
    rows = (
        Allocation.objects.filter(
            ended_at__isnull=True, episode__ended_at__isnull=True, episode__lead_team=team
        )
        .annotate(
            unseen=Exists(
                Episode.objects.filter(pk=OuterRef("episode_id")).filter(not_seen_since(cutoff))
            )
        )
        .values("key_worker_id")
        .annotate(
            size=Count("id"),
            low=Count("id", filter=Q(episode__intensity=Intensity.LOW)),
            medium=Count("id", filter=Q(episode__intensity=Intensity.MEDIUM)),
            high=Count("id", filter=Q(episode__intensity=Intensity.HIGH)),
            not_seen=Count("id", filter=Q(unseen=True)),
        )
        .order_by()
    )
    counts = {row["key_worker_id"]: row for row in rows}
    memberships = list(Membership.objects.active().filter(team=team).select_related("user"))
    in_team = {m.user_id for m in memberships}
    workers = {m.user_id: m.user for m in memberships if m.role == Role.PRACTITIONER}
    workers.update({m.user_id: m.user for m in memberships if m.user_id in counts})
    outsiders = set(counts) - in_team
    if outsiders:
        workers.update({u.pk: u for u in User.objects.filter(pk__in=outsiders)})
    result = []
    for user_id, worker in workers.items():
        row = counts.get(user_id, {})
        result.append(
            WorkerCaseload(
                worker=worker,
                size=row.get("size", 0),
                low=row.get("low", 0),
                medium=row.get("medium", 0),
                high=row.get("high", 0),
                not_seen=row.get("not_seen", 0),
                in_team=user_id in in_team,
            )
        )
    return sorted(result, key=lambda w: (w.worker.last_name, w.worker.first_name, w.worker.pk))


def not_seen(episodes: QuerySet[Episode], *, cutoff: dt.datetime) -> QuerySet[Episode]:
    """Of these episodes, those not seen since ``cutoff``, longest unseen first, with the key
    worker and the caseload columns."""
    return (
        with_caseload_columns(episodes.filter(not_seen_since(cutoff)), now=timezone.now())
        .select_related("person")
        .only(*CASELOAD_FIELDS)
        .prefetch_related(_current_allocations())
        .order_by(F("last_seen").asc(nulls_first=True), "started_at", "id")
    )


def waiting_allocation(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Of these episodes, those with no key worker now, longest waiting first."""
    return (
        episodes.filter(
            ~Exists(Allocation.objects.filter(episode=OuterRef("pk"), ended_at__isnull=True))
        )
        .select_related("person", "referral")
        .order_by("started_at", "id")
    )


def reallocatable(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """The episodes a team lead can choose from to (re)allocate, with their key worker."""
    return (
        episodes.select_related("person")
        .prefetch_related(_current_allocations())
        .order_by("person__family_name", "person__given_name", "id")
    )


def team_key_workers(team: Team) -> QuerySet[Membership]:
    """The team's people who may hold a caseload, for the reallocation form."""
    return (
        Membership.objects.active()
        .filter(team=team, role__in=KEY_WORKER_ROLES)
        .select_related("user", "team")
        .order_by("user__last_name", "user__first_name", "user_id", "id")
        .distinct("user__last_name", "user__first_name", "user_id")
    )


# --- How the person wants to be in touch -------------------------------------------------------


def contact_preferences(person: Person) -> ContactPreferences | None:
    """How the person said they want to be in touch, if anyone has recorded it."""
    return ContactPreferences.objects.filter(person=person).select_related("updated_by").first()


# --- Risk flags ----------------------------------------------------------------------------------


def _open_flags() -> QuerySet[RiskFlag]:
    return (
        RiskFlag.objects.filter(acted_at__isnull=True, episode__ended_at__isnull=True)
        .select_related("episode", "episode__lead_team")
        .order_by("raised_at", "id")
    )


def risk_flags_for_key_worker(user: User) -> QuerySet[RiskFlag]:
    """Open risk flags on the episodes ``user`` is key worker for now, oldest first."""
    mine = Allocation.objects.filter(key_worker=user, ended_at__isnull=True).values("episode")
    return _open_flags().filter(episode__in=mine)


def escalated_risk_flags_for(user: User) -> QuerySet[RiskFlag]:
    """Open risk flags escalated (nobody acted in time) in episodes led by a team ``user`` leads
    or is on duty for today, oldest first."""
    led = Membership.objects.active().filter(user=user, role=Role.TEAM_LEAD).values("team_id")
    duty = duty_teams(user, timezone.localdate())
    return (
        _open_flags()
        .filter(escalated_at__isnull=False)
        .filter(Q(episode__lead_team_id__in=led) | Q(episode__lead_team_id__in=duty))
    )


def risk_flags_of(episode: Episode) -> QuerySet[RiskFlag]:
    return episode.risk_flags.select_related("raised_by", "acted_by").order_by("-raised_at", "-id")
