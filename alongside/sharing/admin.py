"""The Django admin page for people's records, behind the same access policy as every page.

It lives here, not in ``people``, because reaching a person's record is the sharing module's job:
the list shows only people the signed-in user has a basis for (a system administrator as such has
none), each row shown and each record opened is audited, and a record without a basis is a 404.
There is no search box: a search by name or NHS number would put it in the URL. Saves go through
``people.services``, so invalid NHS numbers, postcodes and dates are refused with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from alongside.people import services
from alongside.people.admin import PersonAdminForm
from alongside.people.models import Person
from alongside.sharing import policy
from alongside.sharing.access import open_record, record_list_view, refuse_without_basis
from alongside.sharing.models import Action, Part

ROUTE = "admin:people_person_change"


def _person_id(object_id: str) -> int:
    try:
        return int(object_id)
    except (TypeError, ValueError):
        raise Http404("No record you may see") from None


def _action(request: HttpRequest) -> Action:
    return Action.VIEW if request.method in {"GET", "HEAD"} else Action.CHANGE


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("id", "family_name", "given_name", "date_of_birth", "postcode")
    list_display_links = ("id", "family_name")
    list_filter = ("stated_gender", "ethnicity", "interpreter_needed", "imd_decile")
    readonly_fields = ("imd_decile", "created_at", "updated_at")
    autocomplete_fields = ("registered_gp_practice", "user")
    fieldsets = (
        (None, {"fields": ("given_name", "family_name", "preferred_name", "date_of_birth")}),
        ("Identifiers", {"fields": ("nhs_number", "registered_gp_practice")}),
        ("Gender and ethnicity", {"fields": ("stated_gender", "gender_identity", "ethnicity")}),
        ("Contact", {"fields": ("address", "postcode", "phone", "email")}),
        (
            "Language, communication and access",
            {
                "fields": (
                    "preferred_language",
                    "interpreter_needed",
                    "communication_needs",
                    "access_needs",
                )
            },
        ),
        ("Carer", {"fields": ("carer_name", "carer_relationship", "carer_phone")}),
        ("Portal", {"fields": ("user",)}),
        ("Derived and audit", {"fields": ("imd_decile", "created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Person]:
        return policy.visible_people(request.user)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            record_list_view(request, changelist.result_list)
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        # The admin runs the page in a transaction that a 404 rolls back: refuse (and audit the
        # refusal) before it opens.
        refuse_without_basis(
            request,
            _person_id(object_id),
            part=Part.DETAILS,
            action=_action(request),
            route=ROUTE,
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        # Audited inside the admin's transaction, so a change commits with its audit row.
        return open_record(
            request,
            _person_id(object_id),
            part=Part.DETAILS,
            action=_action(request),
            route=ROUTE,
        ).person

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # records are corrected, never deleted from here

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        # The service validates again and derives the IMD decile from the postcode.
        services.update_person(person=obj)
