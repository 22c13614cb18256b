"""Every write to an episode of care: allocation, intensity, care team, contacts, the care and
support plan and its goals, discharge. One function per action, one transaction each; validation
first, so that nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import hooks
from alongside.care.models import (
    DIRECT_MODES,
    AgreementMethod,
    Allocation,
    Authorship,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    ContactPreferences,
    Episode,
    Goal,
    GoalRating,
    Intensity,
    IntensityChange,
    Mode,
    NoteSharing,
    Outcome,
    PlanNote,
    RatedBy,
    RiskFlag,
    RiskSource,
    TimeOfDay,
)
from alongside.core import formats
from alongside.organisations.models import Membership, Team
from alongside.organisations.permissions import Permission, has_permission
from alongside.people.models import Person
from alongside.referrals import services as referral_services
from alongside.referrals.models import ClosureReason, Referral

LONGEST_CONTACT_MINUTES = 600
PLAN_SECTIONS = (
    "about_me",
    "shared_understanding",
    "strengths",
    "warning_signs",
    "what_i_can_do",
    "who_i_can_contact",
    "safer_surroundings",
    "crisis_numbers",
)
#: The parts of a plan whose authorship is recorded: its sections and who does what.
AUTHORED_SECTIONS = (*PLAN_SECTIONS, "actions")


class StalePlan(ValidationError):
    """The plan changed since the user opened it."""


def open_episode_from_referral(
    *,
    referral: Referral,
    team: Team,
    by: User,
    key_worker: User | None = None,
    partner_teams: Iterable[Team] = (),
) -> Episode:
    """Open the episode of care for an accepted referral (called inside ``accept_referral``).
    The episode comes back with ``warnings`` about the key worker allocated on acceptance
    (``hooks.AllocationChecks``, as for ``allocate_key_worker``), a list of sentences to show."""
    episode = Episode.objects.create(
        person_id=referral.person_id, referral=referral, lead_team=team
    )
    episode.partner_teams.set(list(partner_teams))
    episode.warnings = []
    if key_worker is not None:
        allocation = Allocation.objects.create(
            episode=episode,
            key_worker=key_worker,
            allocated_by=by,
            reason="Allocated on acceptance",
        )
        # The episode's needs are known from the start (its lead team's type, its starting
        # intensity): a competency the key worker lacks is warned of and kept, never a block.
        episode.warnings = hooks.AllocationChecks.run(allocation)
    return episode


@transaction.atomic
def allocate_key_worker(*, episode: Episode, key_worker: User, by: User, reason: str) -> Allocation:
    """Allocate (or reallocate) the key worker; the previous allocation ends now and is kept.
    The key worker works in the lead team or a partner team of the episode. The allocation
    comes back with ``warnings`` (``hooks.AllocationChecks``), a list of sentences to show."""
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the key worker is changing"})
    teams = [episode.lead_team_id, *episode.partner_teams.values_list("id", flat=True)]
    if not Membership.objects.active().filter(user=key_worker, team_id__in=teams).exists():
        raise ValidationError(
            {"key_worker": "The key worker must work in the lead team or a partner team"}
        )
    now = timezone.now()
    current = Allocation.objects.select_for_update().filter(episode=episode, ended_at__isnull=True)
    if current.filter(key_worker=key_worker).exists():
        raise ValidationError({"key_worker": "This person is already the key worker"})
    current.update(ended_at=now)
    allocation = Allocation.objects.create(
        episode=episode, key_worker=key_worker, allocated_by=by, reason=reason, started_at=now
    )
    # What apps further along warn of (a competency the episode needs): kept by them, given
    # back here for the page to show; never a block.
    allocation.warnings = hooks.AllocationChecks.run(allocation)
    return allocation


@transaction.atomic
def add_partner_teams(*, episode: Episode, teams: Iterable[Team]) -> Episode:
    episode.partner_teams.add(*[t for t in teams if t.pk != episode.lead_team_id])
    return episode


def refresh_waiting_clock(referral_id: int) -> None:
    """Set the referral's first and second attended direct contacts from its episode's contacts
    (ordered by date, time and id, as NHS England orders them)."""
    moments = list(
        Contact.objects.filter(
            episode__referral_id=referral_id, outcome=Outcome.ATTENDED, mode__in=DIRECT_MODES
        )
        .order_by("starts_at", "id")
        .values_list("starts_at", flat=True)[:2]
    )
    Referral.objects.filter(pk=referral_id).update(
        first_contact_at=moments[0] if moments else None,
        second_contact_at=moments[1] if len(moments) > 1 else None,
    )


def _check_contact(*, starts_at: dt.datetime, outcome: str, duration_minutes: int | None) -> None:
    errors: dict[str, str] = {}
    if outcome == Outcome.ATTENDED and starts_at > timezone.now():
        errors["outcome"] = "A contact in the future cannot have been attended"
    if outcome == Outcome.PLANNED and starts_at < timezone.now() - dt.timedelta(hours=1):
        errors["starts_at"] = "An appointment must be in the future: record what happened instead"
    if duration_minutes is not None and not 1 <= duration_minutes <= LONGEST_CONTACT_MINUTES:
        errors["duration_minutes"] = "Duration must be between 1 minute and 10 hours"
    if outcome == Outcome.ATTENDED and duration_minutes is None:
        errors["duration_minutes"] = "Enter how long the contact lasted, in minutes"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_contact(
    *,
    episode: Episode,
    practitioner: User,
    team: Team,
    starts_at: dt.datetime,
    mode: str,
    kind: str,
    outcome: str,
    duration_minutes: int | None,
    by: User,
    note: str = "",
    note_sharing: str = NoteSharing.CARE_TEAM,
    others_present: bool = False,
) -> Contact:
    """Record a contact, or plan one (an appointment: no outcome yet). An attended contact
    cannot be in the future; the referral's waiting-time clock is brought up to date in the same
    transaction."""
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended: contacts can no longer be added.")
    if outcome != Outcome.ATTENDED:
        duration_minutes = None if outcome else duration_minutes
    _check_contact(starts_at=starts_at, outcome=outcome, duration_minutes=duration_minutes)
    contact = Contact(
        episode=episode,
        practitioner=practitioner,
        team=team,
        starts_at=starts_at,
        mode=mode,
        kind=kind,
        outcome=outcome,
        duration_minutes=duration_minutes,
        note=note,
        note_sharing=note_sharing,
        others_present=others_present,
        recorded_by=by,
    )
    contact.full_clean()
    contact.save()
    refresh_waiting_clock(episode.referral_id)
    return contact


@transaction.atomic
def record_contact_outcome(
    *,
    contact: Contact,
    outcome: str,
    by: User,
    duration_minutes: int | None = None,
    note: str = "",
    note_sharing: str | None = None,
    others_present: bool | None = None,
) -> Contact:
    """Say what happened to a planned contact (an appointment); ``others_present`` whether
    family, a carer or a friend joined it (``None`` leaves it as it was)."""
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    if current.outcome:
        raise ValidationError("What happened to this contact is already recorded.")
    if not outcome:
        raise ValidationError({"outcome": "Choose what happened"})
    if outcome != Outcome.ATTENDED:
        duration_minutes = None
    _check_contact(starts_at=current.starts_at, outcome=outcome, duration_minutes=duration_minutes)
    current.outcome = outcome
    current.duration_minutes = duration_minutes
    if note:
        current.note = note
    if note_sharing:
        current.note_sharing = note_sharing
    if others_present is not None:
        current.others_present = others_present and outcome == Outcome.ATTENDED
    current.recorded_by = by
    current.recorded_at = timezone.now()
    current.full_clean()
    current.save()
    refresh_waiting_clock(current.episode.referral_id)
    return current


@transaction.atomic
def change_intensity(*, episode: Episode, intensity: str, reason: str, by: User) -> Episode:
    """Step support up or down, dated, with the reason; the history is kept."""
    current = Episode.objects.select_for_update().get(pk=episode.pk)
    if intensity not in Intensity.values:
        raise ValidationError({"intensity": "Choose low, medium or high"})
    if intensity == current.intensity:
        label = Intensity(intensity).label.lower()
        raise ValidationError({"intensity": f"The intensity is already {label}"})
    if not reason.strip():
        raise ValidationError({"reason": "Say why support is stepping up or down"})
    if current.ended_at is not None:
        raise ValidationError("The episode has ended.")
    IntensityChange.objects.create(
        episode=current, intensity=intensity, reason=reason, changed_by=by
    )
    current.intensity = intensity
    current.save(update_fields=["intensity"])
    return current


@transaction.atomic
def add_care_team_member(
    *, episode: Episode, user: User, team: Team, role: str, by: User
) -> CareTeamMember:
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended.")
    if not role.strip():
        raise ValidationError({"role": "Say what their role is in the person's care"})
    if Allocation.objects.filter(episode=episode, key_worker=user, ended_at__isnull=True).exists():
        raise ValidationError({"user": "They are already the key worker"})
    if not Membership.objects.active().filter(user=user, team=team).exists():
        raise ValidationError({"user": "They must work in the team they take part for"})
    member = CareTeamMember(episode=episode, user=user, team=team, role=role, added_by=by)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def end_care_team_member(*, member: CareTeamMember, by: User) -> CareTeamMember:
    current = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    if current.ended_at is not None:
        raise ValidationError("They have already left the care team.")
    current.ended_at = timezone.now()
    current.save(update_fields=["ended_at"])
    return current


@transaction.atomic
def discharge_episode(*, episode: Episode, reason: str, summary: str, by: User) -> Episode:
    """End the episode with a reason and a summary for the person and their GP. Planned contacts
    must be resolved first. The referral closes with the same MHSDS reason."""
    current = Episode.objects.select_for_update().get(pk=episode.pk)
    if current.ended_at is not None:
        raise ValidationError("The episode has already ended.")
    errors: dict[str, str] = {}
    if reason not in ClosureReason.values:
        errors["reason"] = "Choose why the episode is ending"
    if not summary.strip():
        errors["summary"] = "Write the discharge summary for the person and their GP"
    if errors:
        raise ValidationError(errors)
    planned = current.contacts.filter(outcome=Outcome.PLANNED).count()
    if planned:
        raise ValidationError(
            f"{planned} planned contact{'s' if planned != 1 else ''} still open: record what "
            "happened to each, or cancel it, before discharge."
        )
    now = timezone.now()
    current.ended_at = now
    current.discharge_reason = reason
    current.discharge_summary = summary
    current.discharged_by = by
    current.full_clean()
    current.save()
    Allocation.objects.filter(episode=current, ended_at__isnull=True).update(ended_at=now)
    CareTeamMember.objects.filter(episode=current, ended_at__isnull=True).update(ended_at=now)
    referral_services.close_referral(
        referral=current.referral, by=by, closure_reason=reason, reason="Episode of care ended"
    )
    return current


# --- The care and support plan -----------------------------------------------------------------


def _plan_for(episode: Episode) -> CarePlan:
    plan, _ = CarePlan.objects.get_or_create(episode=episode)
    return CarePlan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def save_plan(
    *,
    episode: Episode,
    base_version: int,
    by: User,
    actions: list[dict] | None = None,
    review_on: dt.date | None = None,
    change_note: str = "",
    authorship: Mapping[str, str] | None = None,
    person_present: bool | None = None,
    **sections: str,
) -> CarePlanVersion:
    """Write a new version of the plan. ``base_version`` is the version the user started from
    (0 for a first plan); if someone saved another version since, the edit is refused — never
    silently overwritten — and the message says who and when.

    ``authorship`` says who wrote each section ({section: Authorship}; kept for the sections that
    have words), and ``person_present`` whether the person took part in this version."""
    unknown = set(sections) - set(PLAN_SECTIONS)
    if unknown:
        raise ValidationError(f"Unknown plan sections: {', '.join(sorted(unknown))}")
    authorship = dict(authorship or {})
    unknown = set(authorship) - set(AUTHORED_SECTIONS)
    if unknown:
        raise ValidationError(f"Authorship for unknown plan sections: {', '.join(sorted(unknown))}")
    if any(value not in Authorship.values for value in authorship.values()):
        raise ValidationError({"authorship": "Say who wrote each section"})
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended: its plan can no longer change.")
    plan = _plan_for(episode)
    if plan.current_version != base_version:
        latest = plan.versions.select_related("created_by").order_by("-number").first()
        who = latest.created_by.display_name if latest else "Someone"
        raise StalePlan(
            f"{who} saved version {plan.current_version} of the plan while you were editing "
            "version {base}. Nothing you entered was saved: open the plan again to see their "
            "changes.".replace("{base}", str(base_version))
        )
    if review_on is not None and review_on < timezone.localdate():
        raise ValidationError({"review_on": "The review date must be today or later"})
    goals = [
        {"id": g.pk, "text": g.text}
        for g in episode.goals.filter(ended_at__isnull=True).order_by("created_at", "id")
    ]
    if not goals and not actions and not any(sections.get(n, "").strip() for n in PLAN_SECTIONS):
        raise ValidationError(
            "The plan is empty: write at least one section, an action or a goal before saving "
            "it as a version. Nothing was saved."
        )
    version = CarePlanVersion(
        plan=plan,
        number=plan.current_version + 1,
        goals=goals,
        actions=list(actions or []),
        review_on=review_on,
        change_note=change_note,
        created_by=by,
        person_present=person_present,
        authorship={
            name: who
            for name, who in authorship.items()
            if (actions if name == "actions" else sections.get(name, "").strip())
        },
        **{name: sections.get(name, "") for name in PLAN_SECTIONS},
    )
    version.full_clean()
    version.save()
    plan.current_version = version.number
    plan.save(update_fields=["current_version"])
    return version


@transaction.atomic
def record_plan_agreement(
    *, version: CarePlanVersion, agreed_on: dt.date, method: str, by: User
) -> CarePlanVersion:
    """Record that the person agreed this version of their plan, and when."""
    current = CarePlanVersion.objects.select_for_update().get(pk=version.pk)
    if current.plan.current_version != current.number:
        raise ValidationError("Only the current version of the plan can be agreed.")
    if current.agreed_on is not None:
        raise ValidationError("This version is already agreed.")
    if method not in AgreementMethod.values:
        raise ValidationError({"method": "Choose how the person agreed"})
    if agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": "The date the person agreed cannot be in the future"})
    if agreed_on < timezone.localtime(current.created_at).date():
        raise ValidationError({"agreed_on": "The person cannot agree before the version existed"})
    current.agreed_on = agreed_on
    current.agreement_method = method
    current.agreement_recorded_by = by
    current.save(update_fields=["agreed_on", "agreement_method", "agreement_recorded_by"])
    return current


@transaction.atomic
def add_goal(
    *,
    episode: Episode,
    text: str,
    by: User,
    first_rating: int | None = None,
    worded_by: str = "",
) -> Goal:
    """A goal in the person's own words (and, if given, where they are now). ``worded_by`` says
    whose words they are (an :class:`Authorship`; blank when not recorded)."""
    if not text.strip():
        raise ValidationError({"text": "Write the goal in the person's own words"})
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended.")
    if worded_by and worded_by not in Authorship.values:
        raise ValidationError({"worded_by": "Say whose words the goal is in"})
    goal = Goal.objects.create(
        episode=episode, text=text.strip(), created_by=by, worded_by=worded_by
    )
    if first_rating is not None:
        rate_goal(goal=goal, score=first_rating, by=by, rated_by=RatedBy.WITH_WORKER)
    return goal


@transaction.atomic
def end_goal(*, goal: Goal, because: str, by: User) -> Goal:
    current = Goal.objects.select_for_update().get(pk=goal.pk)
    if current.ended_at is not None:
        raise ValidationError("This goal has already ended.")
    if not because.strip():
        raise ValidationError(
            {"because": "Say why the goal ends (reached, changed, no longer wanted)"}
        )
    current.ended_at = timezone.now()
    current.ended_because = because
    current.save(update_fields=["ended_at", "ended_because"])
    return current


@transaction.atomic
def rate_goal(*, goal: Goal, score: int | None, by: User, rated_by: str) -> GoalRating:
    """A Goal Based Outcomes rating: how close to the goal, 0 to 10."""
    if score is None or not 0 <= score <= 10:
        raise ValidationError({"score": "Choose a number from 0 to 10"})
    if goal.ended_at is not None:
        raise ValidationError("This goal has ended and can no longer be rated.")
    if rated_by not in RatedBy.values:
        raise ValidationError("Say who rated the goal")
    return GoalRating.objects.create(goal=goal, score=score, rated_by=rated_by, recorded_by=by)


@transaction.atomic
def add_person_note(*, episode: Episode, text: str, urgent: bool = False) -> PlanNote:
    """The person's own note for the next conversation about their plan. A note they mark as
    urgent raises a risk flag for the key worker at once."""
    if not text.strip():
        raise ValidationError({"text": "Write your note"})
    if len(text) > 2000:
        raise ValidationError({"text": "Your note must be 2,000 characters or fewer"})
    if episode.ended_at is not None:
        raise ValidationError("This episode of care has ended.")
    note = PlanNote.objects.create(episode=episode, text=text.strip(), urgent=urgent)
    if urgent:
        raise_risk_flag(
            episode=episode, source=RiskSource.PORTAL_NOTE, source_id=note.pk, said=note.text
        )
    return note


@transaction.atomic
def mark_person_note_read(*, note: PlanNote, by: User) -> PlanNote:
    if note.read_at is None:
        note.read_at = timezone.now()
        note.read_by = by
        note.save(update_fields=["read_at", "read_by"])
    return note


# --- How the person wants to be in touch -------------------------------------------------------


#: The most "who may be involved" may say.
WHO_MAY_BE_INVOLVED_LIMIT = 1000


class StalePreferences(ValidationError):
    """The person's contact preferences changed after the page the user edited was shown."""


@transaction.atomic
def set_contact_preferences(
    *,
    person: Person,
    modes: Sequence[str],
    times: Sequence[str],
    others_may_join: bool | None,
    who_may_be_involved: str,
    by: User,
    in_portal: bool = False,
    seen_at: dt.datetime | None = None,
) -> ContactPreferences:
    """Record (or replace) how the person wants to be in touch; ``in_portal`` when the person
    said so themselves in their portal.

    ``seen_at`` is when the user's page showed the preferences: if someone changed them after
    that (the person in their portal, or someone in their care team), the change is refused —
    never silently overwritten — with :class:`StalePreferences` saying who and when."""
    problems: dict[str, str] = {}
    if any(m not in Mode.values for m in modes):
        problems["modes"] = "Choose ways of being in touch from the list"
    if any(t not in TimeOfDay.values for t in times):
        problems["times"] = "Choose times of day from the list"
    if len(who_may_be_involved.strip()) > WHO_MAY_BE_INVOLVED_LIMIT:
        problems["who_may_be_involved"] = (
            f"Who may be involved must be {WHO_MAY_BE_INVOLVED_LIMIT:,} characters or fewer"
        )
    if problems:
        raise ValidationError(problems)
    preferences, created = ContactPreferences.objects.select_for_update().get_or_create(
        person=person, defaults={"updated_by": by}
    )
    if not created and seen_at is not None and preferences.updated_at > seen_at:
        who = (
            f"{person.given_name}, in their portal,"
            if preferences.stated_in_portal
            else preferences.updated_by.display_name
        )
        raise StalePreferences(
            f"{who} changed these preferences on {formats.datetime(preferences.updated_at)}, "
            "while you were editing them. Nothing you entered was saved: check what they say "
            "now, then save again."
        )
    preferences.modes = sorted(set(modes), key=Mode.values.index)
    preferences.times = sorted(set(times), key=TimeOfDay.values.index)
    preferences.others_may_join = others_may_join
    preferences.who_may_be_involved = who_may_be_involved.strip()
    preferences.stated_in_portal = in_portal
    preferences.updated_at = timezone.now()
    preferences.updated_by = by
    preferences.full_clean()
    preferences.save()
    return preferences


# --- Risk flags ----------------------------------------------------------------------------------


def risk_action_time() -> dt.timedelta:
    return getattr(settings, "ALONGSIDE_RISK_ACTION_TIME", dt.timedelta(hours=4))


@transaction.atomic
def raise_risk_flag(
    *,
    episode: Episode,
    source: str,
    said: str,
    by: User | None = None,
    source_id: int | None = None,
) -> RiskFlag:
    """Raise a risk flag on an open episode: it shows on the key worker's home page and caseload
    at once. A flag from a response or note is raised once (the same source gives the same
    flag); one from the care team names who raised it."""
    if source not in RiskSource.values:
        raise ValidationError({"source": "Say where the risk was raised"})
    if not said.strip():
        raise ValidationError({"said": "Say what was said, or what you are worried about"})
    if source == RiskSource.PRACTITIONER and by is None:
        raise ValidationError("A flag from the care team names who raised it.")
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended.")
    if source_id is not None:
        existing = RiskFlag.objects.filter(source=source, source_id=source_id).first()
        if existing is not None:
            return existing
    flag = RiskFlag(
        person_id=episode.person_id,
        episode=episode,
        source=source,
        source_id=source_id,
        said=said.strip(),
        raised_by=by,
    )
    flag.full_clean()
    flag.save()
    return flag


@transaction.atomic
def record_risk_action(*, flag: RiskFlag, by: User, action: str) -> RiskFlag:
    """A practitioner records that they saw the flag and what was done. Only someone who works
    with people records it (never the person: the staff pages answer them 404), and only once."""
    if not has_permission(by, Permission.WORK_WITH_PEOPLE):
        raise PermissionDenied("Only the care team records what was done about a risk.")
    current = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if current.acted_at is not None:
        raise ValidationError("What was done is already recorded.")
    if not action.strip():
        raise ValidationError({"action": "Say what you did, for example: phoned them, safe now"})
    current.acted_at = timezone.now()
    current.acted_by = by
    current.action = action.strip()
    current.full_clean()
    current.save(update_fields=["acted_at", "acted_by", "action"])
    return current


def escalate_risk_flags(*, now: dt.datetime | None = None) -> list[RiskFlag]:
    """Escalate every open risk flag older than the site's action time: marked once, it then
    shows on the home pages of the lead team's duty worker and team lead too."""
    moment = now or timezone.now()
    with transaction.atomic():
        due = list(
            RiskFlag.objects.select_for_update(skip_locked=True).filter(
                acted_at__isnull=True,
                escalated_at__isnull=True,
                raised_at__lte=moment - risk_action_time(),
            )
        )
        for flag in due:
            flag.escalated_at = moment
            flag.save(update_fields=["escalated_at"])
    return due


def escalate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything that escalates when its time passes: referrals not triaged in time and risk
    flags nobody acted on. Run on page view and by ``alongside escalate`` (from cron or a
    systemd timer); a scheduler calls this function."""
    referrals = referral_services.escalate_overdue_referrals(now=now)
    flags = escalate_risk_flags(now=now)
    return {"referrals": len(referrals), "risk_flags": len(flags)}
