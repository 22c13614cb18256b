from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "alongside.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from alongside.accounts.sessions import on_sign_in
        from alongside.accounts.views import admin_password_change, admin_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="alongside.accounts.on_sign_in")

        # The admin signs in, and changes passwords, through Alongside's own pages (password,
        # then two-factor code; the same rules and lockout), never through forms of its own.
        admin.site.login = admin_sign_in
        admin.site.password_change = admin_password_change
