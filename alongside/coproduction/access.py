"""Who may see and do what on the co-production pages (docs/coproduction.md says the same in
words).

* **Reviews.** A team's reviews are seen by everyone in the team and by the administrators of its
  organisation; a service's (an organisation's) by everyone in it; an alliance's by everyone in
  its organisations. Analysts (commissioners, evaluators) and system administrators see every
  review, read-only for analysts.
* A team's lead (or an administrator of its organisation) opens its reviews, records the
  experts by experience's rating and agrees actions; anyone in the team may take part in the
  staff rating of their own team. An organisation's administrators do the same for the
  organisation as a service, and those of an alliance's lead organisation for the alliance.
* **The register of experts by experience.** Organisation administrators manage the experts their
  organisation supports: full names, contact details, consent and naming, the link to their own
  record, roles. Team leads see the register with each expert named as they asked to be, and
  record involvements for their teams; organisation administrators for their organisations.
* **Rates and payments** are for the owing organisation's administrators.

Nothing here reaches a person's record: each check reads the user's memberships.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet

from alongside.coproduction.models import Expert, Involvement, ReviewAction
from alongside.coproduction.queries import ORGANISATION, TEAM, Subject
from alongside.organisations.models import Alliance, Membership, Organisation, Role, Team

#: Roles whose holders may take part in their own team's staff rating.
TEAM_ROLES = (Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR, Role.TEAM_LEAD)


class Rights:
    """What one user may do, worked out once from their current memberships."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.superuser = bool(user.is_superuser)
        rows = list(
            Membership.objects.active()
            .filter(user=user)
            .values_list("team_id", "team__organisation_id", "role")
        )
        self.member_teams = {team for team, _org, _role in rows}
        self.teams = {team for team, _org, role in rows if role in TEAM_ROLES}
        self.led_teams = {team for team, _org, role in rows if role == Role.TEAM_LEAD}
        self.organisations = {org for _team, org, _role in rows}
        self.admin_organisations = {org for _team, org, role in rows if role == Role.ORG_ADMIN}
        self.analyst = any(role == Role.ANALYST for _t, _o, role in rows)
        self.staff = self.superuser or bool(rows)

    # --- Reviews -------------------------------------------------------------------------------

    @property
    def sees_every_review(self) -> bool:
        return self.superuser or self.analyst

    @cached_property
    def alliance_ids(self) -> set[int]:
        """The alliances the user's organisations belong to."""
        return set(
            Alliance.objects.filter(organisations__in=self.organisations).values_list(
                "pk", flat=True
            )
        )

    @cached_property
    def led_alliance_ids(self) -> set[int]:
        return set(
            Alliance.objects.filter(lead_organisation_id__in=self.admin_organisations).values_list(
                "pk", flat=True
            )
        )

    def may_see(self, subject: Subject) -> bool:
        if self.sees_every_review:
            return True
        if subject.kind == TEAM:
            return (
                subject.pk in self.member_teams
                or subject.organisation_id in self.admin_organisations
            )
        if subject.kind == ORGANISATION:
            return subject.pk in self.organisations
        return subject.pk in self.alliance_ids

    def may_record(self, subject: Subject) -> bool:
        """Open reviews, record the experts' rating, agree and complete actions."""
        if self.superuser:
            return True
        if subject.kind == TEAM:
            return (
                subject.pk in self.led_teams or subject.organisation_id in self.admin_organisations
            )
        if subject.kind == ORGANISATION:
            return subject.pk in self.admin_organisations
        return subject.pk in self.led_alliance_ids

    def may_rate_staff(self, subject: Subject) -> bool:
        """Take part in the staff rating: those who record, and anyone in the team."""
        return self.may_record(subject) or (subject.kind == TEAM and subject.pk in self.teams)

    def may_complete(self, action: ReviewAction, subject: Subject) -> bool:
        return action.completed_on is None and (
            action.owner_id == self.user.pk or self.may_record(subject)
        )

    def visible_subjects(
        self,
    ) -> tuple[QuerySet[Team], QuerySet[Organisation], QuerySet[Alliance]]:
        """The teams, organisations and alliances whose reviews the user may see."""
        if self.sees_every_review:
            return Team.objects.all(), Organisation.objects.all(), Alliance.objects.all()
        return (
            Team.objects.filter(
                Q(pk__in=self.member_teams) | Q(organisation_id__in=self.admin_organisations)
            ),
            Organisation.objects.filter(pk__in=self.organisations),
            Alliance.objects.filter(pk__in=self.alliance_ids),
        )

    # --- The register --------------------------------------------------------------------------

    @property
    def sees_register(self) -> bool:
        return self.superuser or bool(self.led_teams or self.admin_organisations)

    @property
    def manages_a_register(self) -> bool:
        return self.superuser or bool(self.admin_organisations)

    def manages(self, expert: Expert) -> bool:
        """Full name, contact details, consent, naming, the link to their record, roles."""
        return self.superuser or expert.organisation_id in self.admin_organisations

    def managed_organisations(self) -> QuerySet[Organisation]:
        if self.superuser:
            return Organisation.objects.all()
        return Organisation.objects.filter(pk__in=self.admin_organisations)

    # --- Involvements --------------------------------------------------------------------------

    def involvement_teams(self) -> QuerySet[Team]:
        """Teams the user may record involvements for."""
        if self.superuser:
            return Team.objects.all()
        return Team.objects.filter(
            Q(pk__in=self.led_teams) | Q(organisation_id__in=self.admin_organisations)
        )

    def involvement_organisations(self) -> QuerySet[Organisation]:
        """Organisations an involvement the user records may be for (and owed by)."""
        if self.superuser:
            return Organisation.objects.all()
        return Organisation.objects.filter(
            Q(pk__in=self.admin_organisations) | Q(teams__in=self.led_teams)
        ).distinct()

    @property
    def records_involvements(self) -> bool:
        return self.superuser or bool(self.led_teams or self.admin_organisations)

    def may_change(self, involvement: Involvement) -> bool:
        """Say later what changed because of an involvement."""
        if self.superuser or involvement.organisation_id in self.admin_organisations:
            return True
        return involvement.team_id is not None and involvement.team_id in self.led_teams

    # --- Rates and payments --------------------------------------------------------------------

    @property
    def handles_payments(self) -> bool:
        return self.manages_a_register
