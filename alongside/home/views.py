from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alongside.care.services import escalate
from alongside.core.access import no_person_data, public
from alongside.home.presenters import HomePresenter
from alongside.home.queries import home_data, is_portal_user


@no_person_data
@public
def home(request: HttpRequest) -> HttpResponse:
    """The public start page for visitors; for a signed-in user, their home page: a section for
    each role they hold.

    A person who needs support (a portal account, with no staff role) goes to their portal.
    """
    if not request.user.is_authenticated:
        return render(request, "home/start.jinja")
    if request.user.memberships.exists():
        escalate()  # on page view too, so a late scheduled run never hides an escalation
    page = HomePresenter(home_data(request.user)).page()
    if not page.has_role and is_portal_user(request.user):
        return redirect("portal:home")
    template = "home/home.jinja" if page.has_role else "home/no_role.jinja"
    return render(request, template, {"page": page})
