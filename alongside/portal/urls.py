from django.urls import path

from alongside.portal import measure_views, views

app_name = "portal"

urlpatterns = [
    # The person's own pages (own_record).
    path("", views.home, name="home"),
    path("plan/", views.plan, name="plan"),
    path("goals/", views.goals, name="goals"),
    path("goals/rate/", views.rate_goal, name="rate-goal"),
    path("measures/", measure_views.measures, name="measures"),
    path("measures/start/", measure_views.start, name="measure-start"),
    path(
        "measures/<int:response_id>/<int:number>/",
        measure_views.question,
        name="measure-question",
    ),
    path("measures/<int:response_id>/check/", measure_views.check, name="measure-check"),
    path("measures/<int:response_id>/done/", measure_views.done, name="measure-done"),
    path("appointments/", views.appointments, name="appointments"),
    path("discharge-summary/", views.discharge_summary, name="discharge-summary"),
    path("care-team/", views.care_team, name="care-team"),
    path("next-time/", views.notes, name="notes"),
    path("keeping-in-touch/", views.keeping_in_touch, name="keeping-in-touch"),
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/<int:consent_id>/stop/", views.stop_sharing, name="stop-sharing"),
    path("who-has-looked/", views.who_has_looked, name="who-has-looked"),
    path("your-record/", views.your_record, name="your-record"),
    path("your-record/download/", views.own_copy, name="own-copy"),
    path("your-record/<int:request_id>/download/", views.released_copy, name="released-copy"),
    # The care team invites the person (person_data).
    path("invite/<int:person_id>/", views.invite, name="invite"),
    # Getting in (no_person_data).
    path("join/<secret:token>/", views.join_link, name="join-link"),
    path("join/", views.join, name="join"),
    path("sign-in/", views.sign_in_help, name="sign-in"),
    path("sign-in/code/", views.code_request, name="sign-in-code"),
    path("sign-in/code/enter/", views.code_enter, name="sign-in-code-enter"),
]
