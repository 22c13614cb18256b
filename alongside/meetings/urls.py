from django.urls import path

from alongside.meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("schedule/", views.schedule, name="schedule"),
    path("<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("<int:meeting_id>/attendees/", views.add_attendee, name="add-attendee"),
    path(
        "<int:meeting_id>/attendees/<int:attendee_id>/remove/",
        views.remove_attendee,
        name="remove-attendee",
    ),
    path("<int:meeting_id>/referrals/", views.add_referrals, name="add-referrals"),
    path("<int:meeting_id>/episodes/add/", views.add_episode, name="add-episode"),
    path("<int:meeting_id>/items/<int:item_id>/decide/", views.decide, name="decide"),
    path("<int:meeting_id>/agenda/print/", views.print_agenda, name="print-agenda"),
    path("<int:meeting_id>/decisions/print/", views.print_decisions, name="print-decisions"),
]
