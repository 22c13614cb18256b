"""The public self-referral, included at ``refer-yourself/``."""

from django.urls import path

from alongside.referrals.self_referral import steps, views

app_name = "self_referral"

urlpatterns = [
    path("", views.start, name="start"),
    *(
        path(f"{step.slug}/", views.question, {"step": step.slug}, name=step.slug)
        for step in steps.STEPS
    ),
    path("consent-needed/", views.consent_needed, name="consent-needed"),
    path("check/", views.check, name="check"),
    path("sent/", views.sent, name="sent"),
]
