from django.urls import path

from alongside.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", views.two_factor_code, name="two-factor"),
    path("two-factor/set-up/", views.two_factor_set_up, name="two-factor-set-up"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
]
