from django.urls import path

from alongside.care import views

app_name = "care"

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("team/<int:team_id>/caseloads/", views.team_caseloads, name="team-caseloads"),
    path("person/<int:person_id>/episode/", views.episode_page, name="episode"),
    path("person/<int:person_id>/episode/intensity/", views.intensity, name="intensity"),
    path("person/<int:person_id>/episode/key-worker/", views.reallocate, name="reallocate"),
    path("person/<int:person_id>/episode/care-team/", views.care_team, name="care-team"),
    path(
        "person/<int:person_id>/episode/care-team/leave/",
        views.care_team_leave,
        name="care-team-leave",
    ),
    path("person/<int:person_id>/episode/discharge/", views.discharge, name="discharge"),
    path(
        "person/<int:person_id>/episode/discharge-summary/",
        views.discharge_summary,
        name="discharge-summary",
    ),
    path("person/<int:person_id>/risk/new/", views.raise_risk, name="raise-risk"),
    path("person/<int:person_id>/risk/<int:flag_id>/", views.risk_flag, name="risk-flag"),
    path("person/<int:person_id>/contacts/", views.contacts, name="contacts"),
    path("person/<int:person_id>/contacts/new/", views.contact_new, name="contact-new"),
    path("person/<int:person_id>/appointments/new/", views.appointment_new, name="appointment-new"),
    path(
        "person/<int:person_id>/appointments/outcome/",
        views.contact_outcome,
        name="contact-outcome",
    ),
]
