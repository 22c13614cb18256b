"""Forms of the directory: the public search (sent by GET, it carries no personal data) and the
organisation administrator's edit of a service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from alongside.core.forms import CheckboxInput, CheckboxSelectMultiple, NhsForm, Select, Textarea
from alongside.core.validators import normalise_postcode
from alongside.directory import queries
from alongside.directory.models import Language, ServiceStatus
from alongside.organisations.models import Locality

METRES_PER_MILE = 1_609.344
DISTANCES = [
    ("", "Any distance"),
    ("1", "1 mile"),
    ("3", "3 miles"),
    ("5", "5 miles"),
    ("10", "10 miles"),
    ("25", "25 miles"),
]


class ServiceSearchForm(NhsForm):
    q = forms.CharField(
        label="What are you looking for?",
        required=False,
        max_length=200,
        help_text="For example, counselling, debt advice or a walking group",
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=20,
        error_messages={"max_length": "Enter a full postcode, like WY1 2AB"},
        help_text="To see the nearest services first, for example WY1 2AB",
    )
    distance = forms.ChoiceField(label="Distance", required=False, choices=DISTANCES, widget=Select)
    need = forms.MultipleChoiceField(
        label="What do you need help with?", required=False, widget=CheckboxSelectMultiple
    )
    locality = forms.ChoiceField(label="Area", required=False, widget=Select)
    self_referral = forms.BooleanField(
        label="I can refer myself (no GP referral needed)", required=False, widget=CheckboxInput
    )
    age = forms.IntegerField(
        label="Age (optional)",
        required=False,
        min_value=0,
        max_value=130,
        help_text="The age of the person who needs support",
        error_messages={
            "invalid": "Age must be a whole number, like 34",
            "min_value": "Age must be 0 or more",
            "max_value": "Age must be 130 or less",
        },
    )
    language = forms.ChoiceField(label="Language", required=False, widget=Select)
    open_now = forms.BooleanField(label="Open now", required=False, widget=CheckboxInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [(str(t.pk), t.name) for t in queries.needs_terms()]
        self.fields["locality"].choices = [("", "Anywhere in the county")] + [
            (str(pk), name)
            for pk, name in Locality.objects.order_by("name").values_list("pk", "name")
        ]
        languages = (
            Language.objects.filter(service__isnull=False)
            .exclude(name="")
            .values_list("name", flat=True)
            .distinct()
            .order_by("name")
        )
        self.fields["language"].choices = [("", "Any language")] + [(n, n) for n in languages]

    #: What the search box asks (always in view) and what narrows the results (behind a toggle
    #: on a phone, so that the results come first).
    SEARCH_FIELDS = ("q", "postcode")
    FILTER_FIELDS = ("distance", "need", "locality", "self_referral", "open_now", "age", "language")

    def filters_chosen(self) -> int:
        """How many filters the search uses (each need ticked counts as one)."""
        if not self.is_bound:
            return 0
        count = 0
        for name in self.FILTER_FIELDS:
            values = [v for v in self.data.getlist(name) if v.strip()]
            count += len(values) if name == "need" else bool(values)
        return count

    def filter_errors(self) -> bool:
        """A filter was given wrongly, so the filters must be open to show where."""
        return any(name in self.errors for name in self.FILTER_FIELDS)

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        try:
            postcode = normalise_postcode(value)
        except ValidationError:
            raise ValidationError("Enter a full postcode, like WY1 2AB") from None
        point = queries.point_for_postcode(postcode)
        if point is None:
            raise ValidationError(
                "We could not find this postcode. Check it and try again, or leave it empty"
            )
        self.point = point
        return postcode

    def criteria(self) -> queries.ServiceSearch:
        data = self.cleaned_data
        distance = data.get("distance")
        point = getattr(self, "point", None) if data.get("postcode") else None
        return queries.ServiceSearch(
            text=data.get("q") or "",
            term_ids=tuple(data.get("need") or ()),
            locality_id=int(data["locality"]) if data.get("locality") else None,
            self_referral=True if data.get("self_referral") else None,
            age=data.get("age"),
            language=data.get("language") or "",
            open_now=bool(data.get("open_now")),
            near=point,
            within_metres=float(distance) * METRES_PER_MILE if point and distance else None,
        )


class ServiceForm(NhsForm):
    """What an organisation administrator may change about one of their services."""

    name = forms.CharField(
        label="Name", max_length=255, error_messages={"required": "Enter the service's name"}
    )
    description = forms.CharField(
        label="Description",
        required=False,
        widget=Textarea,
        help_text="What the service offers, in plain English",
    )
    status = forms.ChoiceField(label="Status", choices=ServiceStatus.choices, widget=Select)
    minimum_age = forms.IntegerField(
        label="Youngest age (optional)",
        required=False,
        min_value=0,
        max_value=130,
        error_messages={
            "invalid": "Youngest age must be a whole number, like 18",
            "min_value": "Youngest age must be 0 or more",
            "max_value": "Youngest age must be 130 or less",
        },
    )
    maximum_age = forms.IntegerField(
        label="Oldest age (optional)",
        required=False,
        min_value=0,
        max_value=130,
        error_messages={
            "invalid": "Oldest age must be a whole number, like 65",
            "min_value": "Oldest age must be 0 or more",
            "max_value": "Oldest age must be 130 or less",
        },
    )
    eligibility_description = forms.CharField(
        label="Who the service is for (optional)", required=False, widget=Textarea
    )
    accepts_self_referral = forms.BooleanField(
        label="People can refer themselves", required=False, widget=CheckboxInput
    )
    how_to_refer = forms.CharField(
        label="How to refer (staff only)",
        required=False,
        widget=Textarea,
        help_text="Seen only by signed-in staff, never by the public",
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    url = forms.URLField(
        label="Website (optional)",
        required=False,
        assume_scheme="https",
        error_messages={
            "invalid": "Enter a website address in the correct format, like https://www.example.com"
        },
    )
    taxonomy_terms = forms.MultipleChoiceField(
        label="Needs the service helps with", required=False, widget=CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from alongside.directory.models import TaxonomyTerm

        self.fields["taxonomy_terms"].choices = [
            (str(pk), name)
            for pk, name in TaxonomyTerm.objects.order_by("name").values_list("pk", "name")
        ]

    def clean_maximum_age(self) -> int | None:
        # Checked here, not in clean(), so that the error summary lists it in the fields' order.
        low, high = self.cleaned_data.get("minimum_age"), self.cleaned_data["maximum_age"]
        if low is not None and high is not None and low > high:
            self.add_error("minimum_age", "Youngest age must not be above the oldest age")
        return high

    @staticmethod
    def initial_for(service: Any) -> dict[str, Any]:
        fields = (
            "name",
            "description",
            "status",
            "minimum_age",
            "maximum_age",
            "eligibility_description",
            "accepts_self_referral",
            "how_to_refer",
            "email",
            "url",
        )
        initial = {name: getattr(service, name) for name in fields}
        initial["taxonomy_terms"] = [str(t.pk) for t in service.taxonomy_terms.all()]
        return initial
