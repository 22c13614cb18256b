from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from alongside.care.services import escalate
from alongside.core.access import public
from alongside.home.navigation import granted
from alongside.home.presenters import HomePresenter
from alongside.home.queries import home_data, is_portal_user
from alongside.organisations.permissions import Permission
from alongside.referrals.access import record_referral_list_view
from alongside.sharing.access import person_list, record_list_view


# Public (the start page for visitors); for a signed-in user, a list naming the people of their
# day, each reached through the sharing policy's lists and audited as a list view.
@public
@person_list(Permission.USE_ACCOUNT)
def home(request: HttpRequest) -> HttpResponse:
    """The public start page for visitors; for a signed-in user, their home page: the work of
    the day for the roles they hold, then a section for each role.

    A person who needs support (a portal account, with no staff role) goes to their portal.
    """
    if not request.user.is_authenticated:
        return render(request, "home/start.jinja")
    if request.user.memberships.exists():
        escalate()  # on page view too, so a late scheduled run never hides an escalation
    page = HomePresenter(home_data(request.user), permissions=granted(request)).page()
    if not page.has_role and is_portal_user(request.user):
        return redirect("portal:home")
    record_list_view(request, page.named_people)
    if page.named_referrals:
        record_referral_list_view(request, page.named_referrals)
    template = "home/home.jinja" if page.has_role else "home/no_role.jinja"
    return render(request, template, {"page": page})
