"""The dashboards' filters: a GET form, so every choice is a link that can be shared or
bookmarked, and every page works without JavaScript.

A filter left out of the query takes its default (the latest whole month; a team lead's own
team); one sent empty means "all". Anything the data cannot answer is an error in words, beside
the filter: a month outside the data, a team or organisation that does not exist, a team that is
not part of the chosen organisation or of the chosen kind of provider.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from alongside.core.forms import NhsForm, Select
from alongside.insights.metrics import Filters, Period
from alongside.insights.presenters import FilterOptions, month_choices

FIELDS = ("month", "locality", "team", "organisation", "provider_type")


class FilterForm(NhsForm):
    month = forms.CharField(label="Month", required=False, widget=Select)
    locality = forms.CharField(label="Locality", required=False, widget=Select)
    team = forms.CharField(label="Team", required=False, widget=Select)
    organisation = forms.CharField(label="Organisation", required=False, widget=Select)
    provider_type = forms.CharField(label="Provider type", required=False, widget=Select)

    def __init__(
        self,
        query: QueryDict,
        *,
        options: FilterOptions,
        covered: Period,
        default_month: Period,
        default_team: int | None = None,
    ) -> None:
        data = {
            "month": f"{default_month.start:%Y-%m}",
            "team": str(default_team) if default_team is not None else "",
        }
        data.update({name: query.get(name, "") for name in FIELDS if name in query})
        super().__init__(data)
        self.options = options
        self.covered = covered
        self.fields["month"].widget.choices = month_choices(covered)
        self.fields["locality"].widget.choices = [("", "All localities")] + [
            (name, name) for name in options.localities
        ]
        self.fields["team"].widget.choices = [("", "All teams")] + [
            (str(t.key), f"{t.name} ({t.organisation_name})") for t in options.teams
        ]
        self.fields["organisation"].widget.choices = [("", "All organisations")] + [
            (str(key), name) for key, name in options.organisations
        ]
        self.fields["provider_type"].widget.choices = [("", "All provider types")] + [
            (kind, kind) for kind in options.provider_types
        ]

    def clean_month(self) -> Period:
        text = (self.cleaned_data.get("month") or "").strip()
        try:
            period = Period.parse_month(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        # The same words as ``metrics.check_period``, from the coverage the page already has.
        if period.start > self.covered.end or period.end < self.covered.start:
            raise forms.ValidationError(
                f"The data covers {self.covered.start:%-d %B %Y} to "
                f"{self.covered.end:%-d %B %Y}; {period.label} is outside it."
            )
        return period

    def clean_locality(self) -> str | None:
        value = (self.cleaned_data.get("locality") or "").strip()
        if not value:
            return None
        if value not in self.options.localities:
            raise forms.ValidationError(
                f"There is no locality called '{value}': choose one from the list"
            )
        return value

    def _key(self, name: str, what: str) -> int | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise forms.ValidationError(f"Choose {what} from the list") from None

    def clean_team(self) -> int | None:
        key = self._key("team", "a team")
        if key is not None and self.options.team(key) is None:
            raise forms.ValidationError("There is no such team: choose a team from the list")
        return key

    def clean_organisation(self) -> int | None:
        key = self._key("organisation", "an organisation")
        if key is not None and self.options.organisation_name(key) is None:
            raise forms.ValidationError(
                "There is no such organisation with teams: choose one from the list"
            )
        return key

    def clean_provider_type(self) -> str | None:
        value = (self.cleaned_data.get("provider_type") or "").strip()
        if not value:
            return None
        if value not in self.options.provider_types:
            raise forms.ValidationError("Choose a provider type from the list")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        team = self.options.team(data.get("team"))
        organisation = data.get("organisation")
        kind = data.get("provider_type")
        if team is not None and organisation is not None and team.organisation_key != organisation:
            name = self.options.organisation_name(organisation)
            self.add_error(
                "team",
                f"{team.name} is not a team of {name}: choose one of its teams, or all teams",
            )
        elif team is not None and kind is not None and team.provider_type != kind:
            self.add_error(
                "team",
                f"{team.name} is not a {kind} team: choose a {kind} team, or all teams",
            )
        return data

    # --- what a valid form gives ---------------------------------------------------------------

    @property
    def period(self) -> Period:
        return self.cleaned_data["month"]

    @property
    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            team_key=data.get("team"),
            organisation_key=data.get("organisation"),
            locality=data.get("locality"),
            provider_type=data.get("provider_type"),
        )

    @property
    def query(self) -> str:
        """The choice as a query string, every filter written out (so links keep it)."""
        data = self.cleaned_data
        values = {
            "month": f"{self.period.start:%Y-%m}",
            "locality": data.get("locality") or "",
            "team": data.get("team") if data.get("team") is not None else "",
            "organisation": data.get("organisation")
            if data.get("organisation") is not None
            else "",
            "provider_type": data.get("provider_type") or "",
        }
        return urlencode(values)
