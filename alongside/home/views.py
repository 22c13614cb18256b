from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alongside.home.presenters import HomePresenter
from alongside.home.queries import home_data


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's home page: a section for each role they hold."""
    page = HomePresenter(home_data(request.user)).page()
    template = "home/home.jinja" if page.has_role else "home/no_role.jinja"
    return render(request, template, {"page": page})
