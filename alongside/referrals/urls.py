from django.urls import path

from alongside.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.worklists, name="worklists"),
    path("new/", views.refer, name="refer"),
    path("for-person/<int:person_id>/", views.refer_person, name="refer-person"),
    path("person/<int:person_id>/", views.person_referrals, name="person"),
    path("<int:referral_id>/", views.referral_page, name="referral"),
    path("<int:referral_id>/identify/", views.identify, name="identify"),
    path("<int:referral_id>/start-triage/", views.start_triage, name="start-triage"),
    path("<int:referral_id>/accept/", views.accept, name="accept"),
    path("<int:referral_id>/urgency/", views.change_urgency, name="change-urgency"),
    path("<int:referral_id>/signpost/", views.signpost, name="signpost"),
    path("<int:referral_id>/for-meeting/", views.for_meeting, name="for-meeting"),
    path("<int:referral_id>/decline/", views.decline, name="decline"),
    path("<int:referral_id>/back-to-triage/", views.return_to_triage, name="return-to-triage"),
    path("<int:referral_id>/close/", views.close, name="close"),
    path("<int:referral_id>/follow-ups/<int:handover_id>/", views.follow_up, name="follow-up"),
]
