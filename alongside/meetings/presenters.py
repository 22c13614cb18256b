"""What the meeting pages show: headings, dates, and each agenda item as the meeting reads it.

An item names its person only when the user may see them (``visible``, from
``sharing.policy.visible_people``); otherwise it says so, and shows nothing else that would
identify them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from alongside.core import formats
from alongside.meetings.models import AgendaItem, Attendee, Decision, LocalityMeeting
from alongside.people.models import Person
from alongside.referrals.models import Handover

NOT_SHARED = "Person not shared with you"
HIDDEN_TEXT = "Not shown: this person's record is not shared with you"

DECISION_TAG_COLOURS = {
    Decision.ALLOCATE: "green",
    Decision.JOINT_OFFER: "blue",
    Decision.SIGNPOST: "purple",
    Decision.MORE_INFORMATION: "yellow",
}


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def join_words(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


class MeetingPresenter:
    def __init__(self, meeting: LocalityMeeting) -> None:
        self.meeting = meeting

    @property
    def pk(self) -> int:
        return self.meeting.pk

    @property
    def locality(self) -> str:
        return self.meeting.locality.name

    @property
    def date(self) -> str:
        return formats.date(self.meeting.starts_at)

    @property
    def when(self) -> str:
        return formats.datetime(self.meeting.starts_at)

    @property
    def title(self) -> str:
        return f"{self.locality} locality meeting, {self.date}"

    @property
    def href(self) -> str:
        return reverse("meetings:meeting", kwargs={"meeting_id": self.meeting.pk})

    @property
    def place(self) -> str:
        return self.meeting.place or "Not recorded"

    @property
    def chair(self) -> str:
        return self.meeting.chair.display_name if self.meeting.chair else "Not recorded"

    @property
    def agenda_summary(self) -> str:
        items = getattr(self.meeting, "item_count", None)
        if items is None:
            return ""
        if not items:
            return "No items yet"
        decided = getattr(self.meeting, "decided_count", 0)
        return f"{plural(items, 'item')}, {decided} decided"

    def summary_rows(self) -> list[dict[str, Any]]:
        rows = [
            ("Date and time", self.when),
            ("Locality", self.locality),
            ("Place", self.place),
            ("Chair", self.chair),
        ]
        if self.meeting.notes:
            rows.append(("Notes", self.meeting.notes))
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


class AttendeePresenter:
    def __init__(self, attendee: Attendee) -> None:
        self.attendee = attendee

    @property
    def pk(self) -> int:
        return self.attendee.pk

    @property
    def name(self) -> str:
        return self.attendee.name

    @property
    def organisation(self) -> str:
        return self.attendee.organisation.name

    @property
    def role(self) -> str:
        return self.attendee.role or ("Guest" if self.attendee.user_id is None else "")


def days_waited(received_at: dt.datetime, meeting_at: dt.datetime, today: dt.date) -> int:
    """Days from receiving the referral to the meeting, or to today if the meeting is ahead."""
    end = min(timezone.localtime(meeting_at).date(), today)
    return max(0, (end - timezone.localtime(received_at).date()).days)


class AgendaItemPresenter:
    def __init__(self, item: AgendaItem, *, number: int, visible: set[int], today: dt.date) -> None:
        self.item = item
        self.number = number
        self.visible = visible
        self.today = today

    @property
    def pk(self) -> int:
        return self.item.pk

    @property
    def person(self) -> Person:
        item = self.item
        return item.referral.person if item.referral_id else item.episode.person

    @property
    def shared(self) -> bool:
        return self.person.pk in self.visible

    @property
    def name(self) -> str:
        if not self.shared:
            return NOT_SHARED
        person = self.person
        if person.preferred_name:
            return f"{person.full_name} ({person.preferred_name})"
        return person.full_name

    @property
    def born(self) -> str:
        return formats.date(self.person.date_of_birth) if self.shared else ""

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.name}"

    @property
    def is_referral(self) -> bool:
        return self.item.referral_id is not None

    @property
    def reference(self) -> str:
        return self.item.referral.reference if self.is_referral else ""

    @property
    def kind(self) -> str:
        if self.is_referral:
            return f"Referral {self.item.referral.reference}"
        episode = self.item.episode
        return f"Episode of care with {episode.lead_team.name}"

    @property
    def waited(self) -> str:
        if self.is_referral:
            referral = self.item.referral
            days = days_waited(referral.received_at, self.item.meeting.starts_at, self.today)
            return f"Received {formats.date(referral.received_at)}: waited {plural(days, 'day')}"
        return f"In care since {formats.date(self.item.episode.started_at)}"

    @property
    def why(self) -> str:
        if not self.shared:
            return HIDDEN_TEXT
        return self.item.why or "Not recorded"

    @property
    def decided(self) -> bool:
        return bool(self.item.decision)

    @property
    def decision(self) -> str:
        return self.item.get_decision_display() if self.decided else "Not decided yet"

    @property
    def decision_tag(self) -> dict[str, str]:
        if not self.decided:
            return {"text": "Not decided", "classes": "nhsuk-tag--grey"}
        colour = DECISION_TAG_COLOURS[Decision(self.item.decision)]
        return {"text": self.item.get_decision_display(), "classes": f"nhsuk-tag--{colour}"}

    @property
    def decide_href(self) -> str:
        return reverse(
            "meetings:decide", kwargs={"meeting_id": self.item.meeting_id, "item_id": self.item.pk}
        )

    def _handover(self) -> Handover | None:
        item = self.item
        referral = item.referral if item.referral_id else item.episode.referral
        made = [
            h
            for h in referral.handovers.all()
            if item.decided_at and h.created_at <= item.decided_at
        ]
        return made[-1] if made else None

    def decision_details(self) -> list[str]:
        """What was decided, in sentences: who leads, who joins, where the person was passed."""
        item = self.item
        if not item.decision:
            return []
        lines: list[str] = []
        if item.decision in (Decision.ALLOCATE, Decision.JOINT_OFFER) and item.lead_team:
            lead = f"Lead team: {item.lead_team.name} ({item.lead_team.organisation.name})"
            lines.append(lead)
            if item.key_worker:
                lines.append(f"Key worker: {item.key_worker.display_name}")
            partners = [f"{t.name} ({t.organisation.name})" for t in item.partner_teams.all()]
            if partners:
                lines.append(f"With: {join_words(partners)}")
        if item.decision == Decision.SIGNPOST:
            handover = self._handover()
            if handover is not None:
                place = handover.service.name if handover.service else handover.team.name
                lines.append(f"Handed over to: {place}")
                if self.shared:
                    lines.append(f"Passed on: {handover.passed_on}")
                    if handover.told_person:
                        lines.append(f"The person was told: {handover.told_person}")
                lines.append(f"Follow-up on {formats.date(handover.follow_up_on)}")
        if item.decision_note:
            label = "Needed" if item.decision == Decision.MORE_INFORMATION else "Note"
            lines.append(f"{label}: {item.decision_note if self.shared else HIDDEN_TEXT}")
        who = item.decided_by.display_name if item.decided_by else "Someone"
        lines.append(f"Recorded by {who}, {formats.datetime(item.decided_at)}")
        return lines

    @property
    def kind_value(self) -> dict[str, str]:
        """What brought the person here; a referral links to its page for those who see it."""
        if self.is_referral and self.shared:
            href = reverse("referrals:referral", kwargs={"referral_id": self.item.referral_id})
            return {"html": format_html('<a href="{}">{}</a>', href, self.kind)}
        return {"text": self.kind}

    def summary_rows(self) -> list[dict[str, Any]]:
        rows: list[tuple[str, dict[str, str]]] = []
        if self.shared:
            rows.append(("Date of birth", {"text": self.born}))
        rows += [
            ("On the agenda as", self.kind_value),
            ("Waiting", {"text": self.waited}),
            ("To decide", {"text": self.why}),
        ]
        return [{"key": {"text": key}, "value": value} for key, value in rows]


def agenda(
    meeting: LocalityMeeting, items: Iterable[AgendaItem], visible: set[int], today: dt.date
) -> list[AgendaItemPresenter]:
    """The meeting's items, numbered in order."""
    return [
        AgendaItemPresenter(item, number=number, visible=visible, today=today)
        for number, item in enumerate(items, start=1)
    ]
