from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Alongside administration"
admin.site.site_title = "Alongside"

urlpatterns = [
    path("", include("alongside.home.urls")),
    path("", include("alongside.public.urls")),
    path("account/", include("alongside.accounts.urls")),
    path("organisations/", include("alongside.organisations.urls")),
    path("people/", include("alongside.people.urls")),
    path("", include("alongside.sharing.urls")),
    path("referrals/", include("alongside.referrals.urls")),
    path("portal/", include("alongside.portal.urls")),
    path("directory/api/", include("alongside.directory.api_urls")),
    path("directory/", include("alongside.directory.urls")),
    path("refer-yourself/", include("alongside.referrals.self_referral_urls")),
    path("meetings/", include("alongside.meetings.urls")),
    path("care/", include("alongside.care.plan_urls")),
    path("care/", include("alongside.care.urls")),
    path("outcomes/", include("alongside.outcomes.urls")),
    path("outcomes/", include("alongside.outcomes.schedule_urls")),
    path("insights/", include("alongside.insights.urls")),
    path("supervision/", include("alongside.supervision.urls")),
    path("workforce/", include("alongside.workforce.urls")),
    path("coproduction/", include("alongside.coproduction.urls")),
    path("admin/", admin.site.urls),
]
