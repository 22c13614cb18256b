"""The demo's co-production: the person's voice in their own care, and the co-production work of
teams with experts by experience.

Called from ``PlaceBuilder.build`` last, after key working, outcomes, supervision and the
workforce, it adds:

* **in people's care**, over the rows key working wrote: who wrote each filled plan section
  (the person, together, or the key worker; now and then not recorded), whether the person took
  part in each plan version and in each locality meeting decision about their episode, whose
  words each goal is in, whether family or a friend joined a contact, and the contact
  preferences of about half the people in care (mostly kept to, sometimes not). Each team has a
  culture drawn once (``_culture``): voluntary sector teams lean further towards the person's
  own words than statutory ones, so teams differ as they do;
* **CollaboRATE** after about half the plan versions the person agreed (recording the version it
  is about), answered within the three weeks after, scored by the real engine. Its licensed
  wording is not shipped; the demo lays placeholder wording over it (``DEMO_WORDING``, naming
  itself as such), so the measure can be tried in the demo;
* **experts by experience** for each voluntary sector organisation and the trust, with their
  consent, how they wish to be named and thanked, their roles, each organisation's hourly rates,
  and their involvements over the 18 months ('you said, we did' for over half, most of those
  paid for paid);
* **co-production reviews** of each team that leads episodes, quarterly over the last six
  quarters with some quarters missed, rated by staff and by two or three experts by experience,
  each rating with its evidence. Staff mostly see more co-production than the experts do (the
  gap the pages show), by a team-drawn margin that narrows a little over time; a few actions per
  review, most of the older ones completed.

Every draw comes from the builder's ``coproduction`` stage and every date counts back from
the place's date (``PlaceBuilder.as_of``), so the same seed and date give the same rows.
Experts' email addresses are under the demo's reserved domain, by which ``flush_coproduction``
finds them with their organisations.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.care.models import (
    Authorship,
    CarePlanVersion,
    Contact,
    ContactPreferences,
    Episode,
    Goal,
    TimeOfDay,
    time_of_day,
)
from alongside.care.models import Outcome as ContactOutcome
from alongside.care.services import AUTHORED_SECTIONS
from alongside.coproduction.models import (
    Characteristic,
    Expert,
    ExpertRole,
    Involvement,
    InvolvementRate,
    Naming,
    Raters,
    Rating,
    Review,
    ReviewAction,
    Reward,
    RoleKind,
)
from alongside.core.dates import add_months
from alongside.demo import data
from alongside.meetings.models import AgendaItem
from alongside.organisations.models import (
    Alliance,
    Membership,
    OrganisationKind,
    Role,
    Team,
    TeamType,
)
from alongside.outcomes import engine, registry
from alongside.outcomes.models import Mode, Questionnaire, Response, Score, Status

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

BATCH_SIZE = 2_000
COLLABORATE = "collaborate"
#: Placeholder wording the demo lays over CollaboRATE, whose licensed wording is not shipped.
DEMO_WORDING = {
    "wordingFor": COLLABORATE,
    "version": "1",
    "licence": "Demo placeholder: not the licensed CollaboRATE wording, which a site supplies",
    "items": {
        str(n): {
            "text": f"CollaboRATE question {n} (placeholder: the licensed wording is not "
            "part of the demo)"
        }
        for n in (1, 2, 3)
    },
}
QUARTERS = 6
REVIEW_SKIPPED = 0.15  # of a team's quarters, no review held
COLLABORATE_AFTER_REVIEW = 0.5  # of agreed plan versions, the person answers CollaboRATE
PREFERENCES_STATED = 0.5  # of people in an episode, preferences stated

EVIDENCE: dict[str, tuple[str, ...]] = {
    Characteristic.ASSETS: (
        "People's own skills show up in their plans: two are now volunteering with the allotment.",
        "We ask what people bring at the first meeting, not only what is wrong.",
        "Plans still start from the referral's problems more often than from the person.",
    ),
    Characteristic.CAPABILITIES: (
        "Goals are set in people's own words and reviewed with them every three months.",
        "People lead their own review meetings when they want to.",
        "Staff still do things for people that they could do with a little support.",
    ),
    Characteristic.MUTUALITY: (
        "Peer workers and experts by experience are paid for their time at the same rates.",
        "People tell us what worked at the end of their support and we change because of it.",
        "Decisions are explained, but rarely made together.",
    ),
    Characteristic.PEER_SUPPORT: (
        "A weekly peer group runs in two localities, led by people who used the service.",
        "We link people with the walking group and the community café.",
        "Peer support is offered, but only when someone asks.",
    ),
    Characteristic.BLURRING: (
        "Experts by experience sit on every recruitment panel.",
        "Staff and people who use the service train together on coaching.",
        "Meetings about people still happen without them.",
    ),
    Characteristic.FACILITATING: (
        "Care Partners help people find what is already in their community.",
        "The team helped a group of service users set up their own drop-in.",
        "We mostly deliver appointments; facilitating is the exception.",
    ),
}
ACTIONS: tuple[tuple[str, str], ...] = (
    (Characteristic.BLURRING, "Invite the person to every meeting where their care is decided"),
    (Characteristic.PEER_SUPPORT, "Start a peer support group in the east of the county"),
    (Characteristic.ASSETS, "Add 'what I bring' to the first conversation"),
    (Characteristic.MUTUALITY, "Pay experts by experience for preparation time too"),
    (Characteristic.FACILITATING, "Map community groups with people who use them"),
    (Characteristic.CAPABILITIES, "Offer every person the chance to chair their own review"),
)
INVOLVEMENT_WORK: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (what the work was, what was decided, what changed because of it)
    RoleKind.STRATEGIC: (
        (
            "Community mental health transformation board",
            "Self-referral to be promoted in GP surgeries",
            "Posters and a leaflet, written with experts by experience, went to every practice",
        ),
        (
            "Alliance steering group",
            "Waiting-time figures to be shared with the peer forum each quarter",
            "The peer forum now sees the waiting times every quarter",
        ),
    ),
    RoleKind.RECRUITMENT: (
        (
            "Interview panel for Care Partners",
            "Two Care Partners appointed",
            "A lived-experience question is now part of every interview",
        ),
        ("Interview panel for a team lead", "One team lead appointed", ""),
    ),
    RoleKind.CO_TRAINER: (
        (
            "Co-delivered coaching approaches training",
            "Training to include a session led by people who used the service",
            "The lived-experience session is now in every course",
        ),
        ("Co-delivered safety planning training", "", ""),
    ),
    RoleKind.PEER_RESEARCHER: (
        (
            "Interviews with people who left the service",
            "Ending support to be planned with the person, not announced",
            "Discharge letters are now written with the person",
        ),
        ("Survey of people waiting for support", "Waiting-list check-in calls proposed", ""),
    ),
    RoleKind.SERVICE_DESIGN: (
        (
            "Redesign of the first appointment letter",
            "Letter rewritten in plain English with a photo of the worker",
            "Fewer people miss their first appointment, the team says",
        ),
        (
            "Design workshop on the self-referral form",
            "Fewer questions at the start",
            "The form now asks only what is needed to get in touch",
        ),
    ),
}
RATES: dict[str, Decimal] = {
    RoleKind.STRATEGIC: Decimal("20.00"),
    RoleKind.RECRUITMENT: Decimal("18.00"),
    RoleKind.CO_TRAINER: Decimal("20.00"),
    RoleKind.PEER_RESEARCHER: Decimal("16.50"),
    RoleKind.SERVICE_DESIGN: Decimal("16.50"),
}
DONE = "Done, and reported back to the peer forum"
WHO_MAY_JOIN = (
    "My sister, Anna",
    "My partner",
    "My support worker from the housing association",
    "My son, when he can",
)


def build_coproduction(builder: PlaceBuilder) -> dict[str, int]:
    """Add the co-production rows; return the counts."""
    return _Stage(builder).build()


def flush_coproduction(
    *, episodes: QuerySet, organisations: QuerySet, users: QuerySet
) -> dict[str, int]:
    """Delete the demo's co-production rows, before the episodes, teams and staff go. The fields
    it set on care rows go with those rows."""
    reviews = Review.objects.filter(
        Q(team__organisation__in=organisations)
        | Q(organisation__in=organisations)
        | Q(created_by__in=users)
    )
    experts = Expert.objects.filter(
        Q(organisation__in=organisations) | Q(email__iendswith=data.DOMAIN_SUFFIX)
    )
    # The placeholder wording goes too: a site's own licensed wording is left alone.
    unworded = Questionnaire.objects.filter(name=COLLABORATE, wording=DEMO_WORDING).update(
        wording={}
    )
    return {
        "collaborate_placeholder_wording": unworded,
        "review_actions": ReviewAction.objects.filter(review__in=reviews).delete()[0],
        "ratings": Rating.objects.filter(review__in=reviews).delete()[0],
        "reviews": reviews.delete()[0],
        "involvements": Involvement.objects.filter(expert__in=experts).delete()[0],
        "expert_roles": ExpertRole.objects.filter(expert__in=experts).delete()[0],
        "experts": experts.delete()[0],
        "involvement_rates": InvolvementRate.objects.filter(
            organisation__in=organisations
        ).delete()[0],
        "contact_preferences": ContactPreferences.objects.filter(
            person__episodes__in=episodes
        ).delete()[0],
    }


def _day(at: dt.datetime) -> dt.date:
    return timezone.localdate(at)


def _quarter_end(index: int, reference: dt.date) -> dt.date:
    """The last day of the quarter ``index`` quarters before the one the reference date is in
    (0: the current quarter, as far as the day before the reference date)."""
    first = reference.replace(month=(reference.month - 1) // 3 * 3 + 1, day=1)
    start = add_months(first, -3 * index)
    return min(add_months(start, 3) - dt.timedelta(days=1), reference - dt.timedelta(days=1))


def _working_day(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


class _Stage:
    def __init__(self, builder: PlaceBuilder) -> None:
        self.builder = builder
        self.as_of, self.now, self.start = builder.as_of, builder.now, builder.start
        self.latest = builder.as_of - dt.timedelta(days=1)
        self.rng = builder.rng("coproduction")
        self.counts: dict[str, int] = defaultdict(int)
        self.teams = [
            plan.team for plan in builder.team_plans if plan.team.team_type != TeamType.OTHER
        ]
        self.teams.sort(key=lambda t: t.pk)
        self.culture = {team.pk: self._culture(team) for team in self.teams}
        members = Membership.objects.filter(team__in=self.teams, ended_on__isnull=True).order_by(
            "pk"
        )
        self.leads: dict[int, int] = {}
        for m in members:
            if m.role == Role.TEAM_LEAD:
                self.leads.setdefault(m.team_id, m.user_id)
        for m in members:
            self.leads.setdefault(m.team_id, m.user_id)

    def _culture(self, team: Team) -> float:
        """How far the team's practice leans towards the person's own voice, 0–1."""
        vcse = team.organisation.kind == OrganisationKind.VCSE
        return min(0.95, max(0.15, self.rng.gauss(0.7 if vcse else 0.5, 0.12)))

    def build(self) -> dict[str, int]:
        episodes = list(
            Episode.objects.filter(lead_team__in=self.teams)
            .order_by("pk")
            .only("pk", "person_id", "lead_team_id", "started_at", "ended_at")
        )
        self.episodes = {e.pk: e for e in episodes}
        self._plans()
        self._goals()
        self._decisions()
        self._contacts()
        self._preferences()
        self._collaborate()
        self._register()
        self._reviews()
        return dict(self.counts)

    def _culture_of(self, episode_id: int) -> float:
        return self.culture[self.episodes[episode_id].lead_team_id]

    def _author(self, culture: float) -> str:
        draw = self.rng.random()
        if draw < 0.07:
            return ""  # not recorded
        draw = self.rng.random()
        if draw < 0.35 * culture + 0.05:
            return Authorship.PERSON
        if draw < 0.9 * culture + 0.1:
            return Authorship.TOGETHER
        return Authorship.PRACTITIONER

    def _presence(self, culture: float, *, unrecorded: float) -> bool | None:
        if self.rng.random() < unrecorded:
            return None
        return self.rng.random() < 0.4 + 0.55 * culture

    # --- in people's care ---------------------------------------------------------------------

    def _plans(self) -> None:
        versions = list(
            CarePlanVersion.objects.filter(plan__episode_id__in=list(self.episodes))
            .select_related("plan")
            .order_by("pk")
        )
        earlier: dict[tuple[int, str], str] = {}
        for version in versions:
            culture = self._culture_of(version.plan.episode_id)
            authorship = {}
            for section in AUTHORED_SECTIONS:
                if not getattr(version, section):
                    continue
                key = (version.plan_id, section)
                # A section most often keeps who wrote it; sometimes it is rewritten.
                author = earlier.get(key) if self.rng.random() < 0.7 else None
                author = author or self._author(culture)
                if author:
                    authorship[section] = author
                    earlier[key] = author
            version.authorship = authorship
            version.person_present = self._presence(culture, unrecorded=0.1)
        CarePlanVersion.objects.bulk_update(
            versions, ["authorship", "person_present"], batch_size=BATCH_SIZE
        )
        self.counts["plan_versions_with_authorship"] = sum(1 for v in versions if v.authorship)
        self.agreed_versions = [v for v in versions if v.agreed_on is not None]

    def _goals(self) -> None:
        goals = list(Goal.objects.filter(episode_id__in=list(self.episodes)).order_by("pk"))
        for goal in goals:
            culture = self._culture_of(goal.episode_id)
            if self.rng.random() < 0.08:
                goal.worded_by = ""
            elif self.rng.random() < 0.3 + 0.6 * culture:
                goal.worded_by = Authorship.PERSON
            else:
                goal.worded_by = self.rng.choice((Authorship.TOGETHER, Authorship.PRACTITIONER))
        Goal.objects.bulk_update(goals, ["worded_by"], batch_size=BATCH_SIZE)
        self.counts["goals_with_wording"] = sum(1 for g in goals if g.worded_by)

    def _decisions(self) -> None:
        items = list(
            AgendaItem.objects.filter(episode_id__in=list(self.episodes))
            .exclude(decision="")
            .order_by("pk")
        )
        for item in items:
            item.person_present = self._presence(
                self._culture_of(item.episode_id) * 0.8, unrecorded=0.15
            )
        AgendaItem.objects.bulk_update(items, ["person_present"], batch_size=BATCH_SIZE)
        self.counts["decisions_with_presence"] = sum(
            1 for i in items if i.person_present is not None
        )

    def _contacts(self) -> None:
        joined = list(
            Contact.objects.filter(
                episode_id__in=list(self.episodes), outcome=ContactOutcome.ATTENDED
            )
            .order_by("pk")
            .only("pk")
        )
        chosen = [c for c in joined if self.rng.random() < 0.07]
        for contact in chosen:
            contact.others_present = True
        Contact.objects.bulk_update(chosen, ["others_present"], batch_size=BATCH_SIZE)
        self.counts["contacts_others_joined"] = len(chosen)

    def _preferences(self) -> None:
        """About half the people in care say how they want to be in touch, mostly as their
        contacts already go (so most are kept to), at a point in their episode."""
        contacts = defaultdict(list)
        for episode_id, mode, starts_at, recorded_by in (
            Contact.objects.filter(
                episode_id__in=list(self.episodes), outcome=ContactOutcome.ATTENDED
            )
            .order_by("starts_at", "pk")
            .values_list("episode_id", "mode", "starts_at", "practitioner_id")
        ):
            contacts[self.episodes[episode_id].person_id].append((mode, starts_at, recorded_by))
        rows = []
        for person_id in sorted(contacts):
            seen = contacts[person_id]
            if len(seen) < 2 or self.rng.random() >= PREFERENCES_STATED:
                continue
            stated_at = seen[self.rng.randrange(len(seen) // 2 + 1)][1] + dt.timedelta(hours=2)
            modes_seen = sorted({m for m, _, _ in seen})
            times_seen = sorted({time_of_day(timezone.localtime(s).hour) for _, s, _ in seen})
            # Most state what already suits them; some narrow it (and are not always heard).
            modes = modes_seen if self.rng.random() < 0.7 else [self.rng.choice(modes_seen)]
            times: list[str] = []
            if self.rng.random() < 0.6:
                times = times_seen if self.rng.random() < 0.7 else [self.rng.choice(times_seen)]
            others = self.rng.choice((True, True, False, None))
            rows.append(
                ContactPreferences(
                    person_id=person_id,
                    modes=modes,
                    times=[t for t in TimeOfDay.values if t in times],
                    others_may_join=others,
                    who_may_be_involved=self.rng.choice(WHO_MAY_JOIN) if others else "",
                    stated_in_portal=False,
                    updated_at=stated_at,
                    updated_by_id=seen[0][2],
                )
            )
        ContactPreferences.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.counts["contact_preferences"] = len(rows)

    def _collaborate(self) -> None:
        registry.sync_shipped()
        questionnaire = registry.current(COLLABORATE)
        if questionnaire is None:
            return
        if not questionnaire.wording:
            questionnaire = registry.load_wording(DEMO_WORDING)
        measure = registry.measure(questionnaire)
        workers = dict(
            CarePlanVersion.objects.filter(pk__in=[v.pk for v in self.agreed_versions]).values_list(
                "pk", "created_by_id"
            )
        )
        responses: list[tuple[Response, Any]] = []
        for version in self.agreed_versions:
            episode = self.episodes[version.plan.episode_id]
            # Asked once the person agreed the version, answered within the four weeks.
            agreed = timezone.make_aware(dt.datetime.combine(version.agreed_on, dt.time(10)))
            completed = max(agreed, version.created_at) + dt.timedelta(
                days=self.rng.randint(0, 20), hours=self.rng.randint(0, 8)
            )
            if self.rng.random() >= COLLABORATE_AFTER_REVIEW or completed >= self.now:
                continue
            if episode.ended_at is not None and completed > episode.ended_at:
                continue
            culture = self.culture[episode.lead_team_id]
            if self.rng.random() < 0.15 + 0.35 * culture:
                answers = {"1": 9, "2": 9, "3": 9}
            else:
                centre = 4.5 + 4 * culture
                answers = {
                    str(n): min(9, max(0, round(self.rng.gauss(centre, 1.8)))) for n in (1, 2, 3)
                }
                if answers == {"1": 9, "2": 9, "3": 9}:
                    answers["2"] = 8
            result = engine.score(measure, answers)
            by = workers[version.pk]
            responses.append(
                (
                    Response(
                        questionnaire=questionnaire,
                        person_id=episode.person_id,
                        episode_id=episode.pk,
                        plan_version=version,
                        status=Status.COMPLETED,
                        mode=Mode.WITH_PRACTITIONER,
                        answers=result.answers,
                        started_at=completed - dt.timedelta(minutes=3),
                        started_by_id=by,
                        updated_at=completed,
                        completed_at=completed,
                        completed_by_id=by,
                    ),
                    result,
                )
            )
        Response.objects.bulk_create([r for r, _ in responses], batch_size=BATCH_SIZE)
        scores = [
            Score(
                response=response,
                person_id=response.person_id,
                episode_id=response.episode_id,
                measure=COLLABORATE,
                key=value.id,
                value=value.value,
                band=value.band,
                snomed=value.rule.code,
                in_change=value.rule.change,
                completed_at=response.completed_at,
            )
            for response, result in responses
            for value in result.scores
            if value.value is not None
        ]
        Score.objects.bulk_create(scores, batch_size=BATCH_SIZE)
        self.counts["collaborate_responses"] = len(responses)

    # --- experts by experience --------------------------------------------------------------

    def _register(self) -> None:
        organisations = [
            self.builder.organisations[data.TRUST.name],
            *(self.builder.organisations[o.name] for o in data.VCSE_ORGANISATIONS),
        ]
        teams_of: dict[int, list[Team]] = defaultdict(list)
        for team in self.teams:
            teams_of[team.organisation_id].append(team)
        self.experts_of: dict[int, list[Expert]] = {}
        rates, experts, roles = [], [], []
        for organisation in organisations:
            recorder = next(
                (self.leads[t.pk] for t in teams_of[organisation.pk] if t.pk in self.leads),
                None,
            )
            if recorder is None:
                continue
            for kind, hourly in RATES.items():
                rates.append(
                    InvolvementRate(
                        organisation=organisation,
                        kind=kind,
                        hourly=hourly,
                        valid_from=self.start.date(),
                        set_by_id=recorder,
                        set_at=self.start,
                    )
                )
            count = self.rng.randint(5, 8) if organisation.is_nhs else self.rng.randint(3, 5)
            mine = []
            for _ in range(count):
                given = self.rng.choice(
                    data.BRITISH_BY_GENERATION["middle"].female
                    + data.BRITISH_BY_GENERATION["middle"].male
                )
                family = self.rng.choice(data.BRITISH_FAMILY)
                consent = self.as_of - dt.timedelta(days=self.rng.randint(400, 900))
                expert = Expert(
                    given_name=given,
                    family_name=family,
                    naming=self.rng.choice(
                        (Naming.FIRST, Naming.FIRST, Naming.FULL, Naming.INITIALS, Naming.ANONYMOUS)
                    ),
                    email=f"{given}.{family}.{len(experts)}@experts{data.DOMAIN_SUFFIX}".lower(),
                    organisation=organisation,
                    consent_on=consent,
                    reward=self.rng.choice(
                        (Reward.PAYMENT, Reward.PAYMENT, Reward.VOUCHER, Reward.NONE)
                    ),
                    created_by_id=recorder,
                )
                experts.append(expert)
                mine.append(expert)
            self.experts_of[organisation.pk] = mine
        InvolvementRate.objects.bulk_create(rates)
        Expert.objects.bulk_create(experts)
        self.roles_of: dict[int, list[str]] = {}
        for expert in experts:
            kinds = self.rng.sample(list(RATES), self.rng.randint(1, 2))
            self.roles_of[expert.pk] = kinds
            for kind in kinds:
                roles.append(
                    ExpertRole(
                        expert=expert,
                        kind=kind,
                        organisation_id=expert.organisation_id,
                        started_on=expert.consent_on + dt.timedelta(days=self.rng.randint(0, 60)),
                    )
                )
        ExpertRole.objects.bulk_create(roles)
        self.counts.update(
            {"involvement_rates": len(rates), "experts": len(experts), "expert_roles": len(roles)}
        )
        self._involvements(experts, teams_of)

    def _involvements(self, experts: Sequence[Expert], teams_of: dict[int, list[Team]]) -> None:
        rows = []
        months = data.REFERRAL_MONTHS
        for expert in experts:
            teams = [t for t in teams_of[expert.organisation_id] if t.pk in self.leads]
            for _ in range(self.rng.randint(months // 3, months)):
                on = _working_day(self.as_of - dt.timedelta(days=self.rng.randint(2, months * 30)))
                if on < expert.consent_on:
                    continue
                kind = self.rng.choice(self.roles_of[expert.pk])
                what, decided, changed = self.rng.choice(INVOLVEMENT_WORK[kind])
                team = self.rng.choice(teams) if teams and self.rng.random() < 0.7 else None
                recorder = self.leads[team.pk] if team else expert.created_by_id
                hours = Decimal(self.rng.randint(4, 16)) / 4
                paid = expert.reward in (Reward.PAYMENT, Reward.VOUCHER)
                hourly = RATES[kind] if paid else Decimal("0")
                changed_on = None
                if changed and self.rng.random() < 0.75:
                    changed_on = on + dt.timedelta(days=self.rng.randint(20, 100))
                    if changed_on > self.latest:
                        changed_on, changed = None, ""
                else:
                    changed = ""
                paid_on = None
                if paid and (self.as_of - on).days > 35 and self.rng.random() < 0.9:
                    paid_on = on + dt.timedelta(days=self.rng.randint(14, 35))
                rows.append(
                    Involvement(
                        expert=expert,
                        kind=kind,
                        on=on,
                        hours=hours,
                        team=team,
                        organisation_id=expert.organisation_id,
                        what=what,
                        decided=decided,
                        changed=changed,
                        changed_on=changed_on,
                        reward=expert.reward,
                        hourly=hourly,
                        owed=(hourly * hours).quantize(Decimal("0.01")),
                        paid_on=paid_on,
                        paid_by_id=recorder if paid_on else None,
                        recorded_by_id=recorder,
                        recorded_at=timezone.make_aware(dt.datetime.combine(on, dt.time(17))),
                    )
                )
        Involvement.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.counts["involvements"] = len(rows)

    # --- reviews ------------------------------------------------------------------------------

    def _reviews(self) -> None:
        """Quarterly reviews of each team that leads episodes; half-yearly ones of the trust,
        each voluntary sector organisation and the alliance (as services and as the alliance)."""
        leading = set(
            Episode.objects.filter(lead_team__in=self.teams).values_list("lead_team_id", flat=True)
        )
        trust = self.builder.organisations[data.TRUST.name]
        everyone = [e for experts in self.experts_of.values() for e in experts]
        subjects: list[tuple[dict, list[Expert], int, float, int]] = []
        cultures: dict[int, list[float]] = defaultdict(list)
        for team in self.teams:
            if team.pk not in leading or team.pk not in self.leads:
                continue
            experts = self.experts_of.get(team.organisation_id) or self.experts_of[trust.pk]
            culture = self.culture[team.pk]
            cultures[team.organisation_id].append(culture)
            subjects.append(({"team": team}, experts, self.leads[team.pk], culture, 1))
        for organisation_id, experts in self.experts_of.items():
            if cultures[organisation_id]:
                lead = experts[0].created_by_id
                culture = statistics.mean(cultures[organisation_id])
                subjects.append(({"organisation_id": organisation_id}, experts, lead, culture, 2))
        alliance = (
            Alliance.objects.filter(organisations__in=list(self.experts_of)).order_by("pk").first()
        )
        if alliance is not None and everyone:
            culture = statistics.mean(c for group in cultures.values() for c in group)
            lead = self.experts_of[trust.pk][0].created_by_id
            subjects.append(({"alliance": alliance}, everyone, lead, culture, 2))
        reviews, ratings, actions, panels = [], [], [], []
        for subject, experts, lead, culture, every in subjects:
            gap = max(0.0, self.rng.gauss(0.9, 0.4))  # staff see more than experts do
            for index in reversed(range(QUARTERS)):
                if index % every or self.rng.random() < REVIEW_SKIPPED:
                    continue
                end = _quarter_end(index, self.as_of)
                held_on = _working_day(end - dt.timedelta(days=self.rng.randint(3, 25)))
                panel = [e for e in experts if e.consent_on <= held_on]
                panel = self.rng.sample(panel, min(len(panel), self.rng.randint(2, 3)))
                review = Review(
                    **subject,
                    held_on=held_on,
                    staff_raters=self.rng.randint(3, 9),
                    created_by_id=lead,
                    created_at=timezone.make_aware(dt.datetime.combine(held_on, dt.time(15))),
                )
                reviews.append(review)
                panels.append((review, panel))
                progress = (QUARTERS - 1 - index) / (QUARTERS - 1)
                staff_base = 2.4 + 2.0 * culture + 0.3 * progress
                expert_base = staff_base - gap * (1 - 0.35 * progress)
                for characteristic in Characteristic:
                    for raters, base, present in (
                        (Raters.STAFF, staff_base, True),
                        (Raters.EXPERTS, expert_base, bool(panel)),
                    ):
                        if not present:
                            continue
                        score = min(5, max(1, round(self.rng.gauss(base, 0.6))))
                        pool = EVIDENCE[characteristic]
                        evidence = pool[0 if score >= 4 else 1 if score == 3 else 2]
                        ratings.append(
                            Rating(
                                review=review,
                                raters=raters,
                                characteristic=characteristic,
                                score=score,
                                evidence=evidence,
                                recorded_by_id=lead,
                                recorded_at=review.created_at,
                            )
                        )
                for characteristic, text in self.rng.sample(ACTIONS, self.rng.randint(1, 3)):
                    due_on = held_on + dt.timedelta(days=self.rng.randint(30, 90))
                    done = due_on < self.as_of and self.rng.random() < 0.7
                    actions.append(
                        ReviewAction(
                            review=review,
                            text=text,
                            characteristic=characteristic,
                            owner_id=lead,
                            due_on=due_on,
                            completed_on=min(due_on, self.latest) if done else None,
                            completed_by_id=lead if done else None,
                            what_changed=DONE if done else "",
                            created_at=review.created_at,
                        )
                    )
        Review.objects.bulk_create(reviews)
        Rating.objects.bulk_create(ratings, batch_size=BATCH_SIZE)
        ReviewAction.objects.bulk_create(actions)
        through = Review.experts.through
        through.objects.bulk_create(
            [through(review_id=r.pk, expert_id=e.pk) for r, panel in panels for e in panel]
        )
        self.counts.update(
            {"reviews": len(reviews), "ratings": len(ratings), "review_actions": len(actions)}
        )
