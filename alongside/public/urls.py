"""The public information pages every NHS-style service has, linked from every page's footer."""

from django.urls import path

from alongside.public import views

app_name = "public"

urlpatterns = [
    path("privacy-notice/", views.privacy_notice, name="privacy-notice"),
    path("accessibility-statement/", views.accessibility_statement, name="accessibility"),
    path("cookies/", views.cookies, name="cookies"),
    path("contact-us/", views.contact, name="contact"),
]
