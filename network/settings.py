"""Settings for the practitioner network, read from the environment.

One settings module for every deployment. Without any variable set it is the
embedded default (SQLite, in-memory channel layer, local-memory cache);
DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis. DEBUG is off unless
asked for, and with DEBUG off the process refuses to start on a missing or
default SECRET_KEY. README.md lists every variable.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from network import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.get_bool("DEBUG", default=False)

# --- Secret key ---------------------------------------------------------------
# Keys that must never protect a real deployment: empty, the development key
# below, Django's "django-insecure-" keys, and the placeholder from the examples.
DEVELOPMENT_SECRET_KEY = "development-only-not-secret-0000000000000000000000000"  # noqa: S105
_PLACEHOLDER_SECRET_KEYS = {"", DEVELOPMENT_SECRET_KEY, "change-me", "changeme", "secret"}

SECRET_KEY = env.get_str("SECRET_KEY")
if not DEBUG and (
    SECRET_KEY.lower() in _PLACEHOLDER_SECRET_KEYS
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 32
):
    raise env.ConfigError(
        "SECRET_KEY",
        "missing, too short or a known default while DEBUG is off; set it to a long random "
        'value, e.g. python -c "import secrets; print(secrets.token_urlsafe(50))"',
    )
if not SECRET_KEY:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.get_list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise env.ConfigError("ALLOWED_HOSTS", "must list the site's host names when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = env.get_str("SITE_NAME", "Policing & Human Rights Network")
# Absolute links in email (which has no request to take the host from).
SITE_URL = env.get_str(
    "SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}",
).rstrip("/")
# Demo-only conveniences (seeded accounts, relaxed MFA for the demo moderator)
# are never enabled by default.
DEMO_MODE = env.get_bool("DEMO_MODE", default=False)
# make bench's bare reference page (network/bench_views.py): off unless the
# benchmark's servers turn it on.
BENCH_REFERENCE_VIEWS = env.get_bool("BENCH_REFERENCE_VIEWS", default=False)

# --- Applications -------------------------------------------------------------
INSTALLED_APPS = [
    # daphne first: it makes `runserver` an ASGI server that also serves sockets.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # whitenoise's runserver_nostatic keeps static serving identical in dev and prod.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "taggit",
    "django_countries",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The sessions list with "sign out everywhere else" (/accounts/sessions/).
    "allauth.usersessions",
    "common",
    "notifications",
    "members",
    "forum",
    "lessons",
    "events",
    "library",
    "network",
]

MIDDLEWARE = [
    # First, so that every response gets the security headers and the
    # Content-Security-Policy: redirects to HTTPS, static files from whitenoise
    # and error pages included (network/middleware.py).
    "network.middleware.SecurityHeadersMiddleware",
    "network.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before every middleware that reads the database: while it cannot be
    # reached, pages answer with the styled 503 (network/failures.py).
    "network.failures.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before anything reads a form: one not in UTF-8 gets the styled 400.
    "network.middleware.FormCharsetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Moderator and admin powers only in a session that passed a second factor.
    "members.access.StaffPowersMiddleware",
    # Discreet mode: a member's sessions end with the browser and when idle.
    "members.discreet.DiscreetSessionMiddleware",
    # A member's chosen language wins over the cookie and the browser's.
    "members.language.MemberLanguageMiddleware",
    # Default deny: every view needs a login unless marked @login_not_required,
    # and a login that is not (yet) an approved membership sees the waiting page.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "members.middleware.MembershipMiddleware",
    # Limits on posting, flagging, invitations, search (network/ratelimit.py).
    "network.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records a session's browser; with USERSESSIONS_TRACK_ACTIVITY off (below)
    # only at login, so a page view writes nothing.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # A response that ends the session clears the site's storage (drafts) in
    # that browser (members/signout.py).
    "members.signout.ClearStorageOnSignOutMiddleware",
    # X-Robots-Tag: noindex on everything but the public pages (network/robots.py).
    "network.robots.NoIndexMiddleware",
]

ROOT_URLCONF = "network.urls"
WSGI_APPLICATION = "network.wsgi.application"
ASGI_APPLICATION = "network.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "network.context_processors.site",
                "network.context_processors.browser",
                "notifications.context_processors.inbox",
                "members.context_processors.discreet",
                "members.context_processors.staff_powers",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------
_database_url = env.get_str("DATABASE_URL")
if _database_url:
    DATABASES = {
        "default": env.database_from_url(
            "DATABASE_URL", _database_url, conn_max_age=env.get_int("DB_CONN_MAX_AGE", 60)
        )
    }
    # Every select of a model choice field (the topic filters above the lists
    # and search) reads its options with .iterator(), which on PostgreSQL is a
    # server-side cursor: DECLARE, FETCH and CLOSE, three round trips for 20
    # rows. Client-side cursors are also what a transaction-pooling PgBouncer
    # in front of PostgreSQL requires.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, for the test database: tests that start real server
    # processes (daphne, gunicorn) share it with them.
    # TEST_SQLITE_NAME lets two test runs on one checkout use separate files.
    DATABASES["default"].setdefault(
        "TEST",
        {"NAME": env.get_str("TEST_SQLITE_NAME", str(BASE_DIR / "var" / "test.sqlite3"))},
    )
    # WAL lets readers work while one writer writes; IMMEDIATE transactions take
    # the write lock up front so concurrent writers wait (busy timeout) instead
    # of failing with "database is locked" halfway through. secure_delete
    # overwrites what is deleted (a purged version, a removed account) instead
    # of leaving it in the file's free pages (Python's bundled SQLite has it on
    # by default; other builds do not).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                " PRAGMA secure_delete=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, sessions --------------------------------------
REDIS_URL = env.get_str("REDIS_URL")
if REDIS_URL:
    env.redis_url("REDIS_URL", REDIS_URL)
# A burst of sockets connecting at once holds one pooled connection each during
# group_add; redis-py's async pool defaults to 100 and then fails with "Too
# many connections" (DESIGN.md).
REDIS_MAX_CONNECTIONS = env.get_int("REDIS_MAX_CONNECTIONS", 2000, minimum=10)

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, for which Redis being down is a miss: sessions
            # are read from the database and pages keep working (network/cache.py).
            "BACKEND": "network.cache.OutageTolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.get_str("CACHE_KEY_PREFIX", "network"),
            "OPTIONS": {
                "max_connections": REDIS_MAX_CONNECTIONS,
                "socket_timeout": 5,
                # Give up connecting to a Redis that does not answer after a second.
                "socket_connect_timeout": 1,
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # The layer blocks on BZPOPMIN for up to 5 s; redis-py 8's
                        # default socket timeout of 5 s kills that connection when
                        # a socket is idle (redis/redis-py#4091). No timeout here.
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "max_connections": REDIS_MAX_CONNECTIONS,
                        # After Redis restarts, every pooled connection is dead and
                        # its next command fails. Without a retry the consumer whose
                        # receive (BZPOPMIN) hit one crashed and its socket was
                        # dropped; now the command runs again, at once, on a new
                        # connection. Once only: when Redis is really down, a push
                        # (which the posting request waits for) must fail fast.
                        "retry": Retry(NoBackoff(), 1),
                    }
                ],
                "prefix": env.get_str("CHANNEL_LAYER_PREFIX", "network"),
                "capacity": env.get_int("CHANNEL_LAYER_CAPACITY", 1000, minimum=10),
                "expiry": 60,
                # A consumer that crashed leaves its channel in groups; entries
                # older than this are dropped. Live consumers re-join on connect.
                "group_expiry": env.get_int("CHANNEL_GROUP_EXPIRY", 86400, minimum=60),
            },
        }
    }
    # Sessions live in the database, read through the shared cache: every web
    # process sees the same session, and a restart of Redis logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # A process-local cache cannot front sessions shared by several processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
# With DEBUG off, the process refuses to start on the in-memory channel layer or
# a local-memory cache (network/checks.py): with more than one process, rate
# limits would count per process and notifications would miss sockets held by
# another process. Only a single-process server (a demo, a benchmark) may opt out.
ALLOW_IN_MEMORY_BACKENDS = env.get_bool("ALLOW_IN_MEMORY_BACKENDS", default=False)

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
# One tag vocabulary (members.Tag) for threads, lessons and expertise.
TAGGIT_CASE_INSENSITIVE = True
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "landing"

ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
MFA_ADAPTER = "members.adapter.MFAAdapter"
ACCOUNT_FORMS = {
    "signup": "members.forms.SignupForm",
    "login": "members.forms.LoginForm",
    "change_password": "members.forms.ChangePasswordForm",
    "reset_password_from_key": "members.forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address in the browser that signed up logs in (allauth does it
# only for that session); the adapter then sends a pending member to the
# waiting page. A link opened elsewhere still asks for the password.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, kept explicit so a reviewer sees them; they need a
    # cache shared by all processes (Redis in production).
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "send_email": "5/m/key",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_TOLERANCE = 1

# A verified sign-up waits for a moderator unless approval is off (open communities).
MEMBERSHIP_APPROVAL = env.get_bool("MEMBERSHIP_APPROVAL", default=True)
INVITATION_VALID_DAYS = env.get_int("INVITATION_VALID_DAYS", 14, minimum=1)
# Hour of the day (UTC) at which the outbox worker sends the daily digests.
DIGEST_HOUR = env.get_int("DIGEST_HOUR", 6, maximum=23)
# Moderators and admins must set up two-factor authentication before using
# moderator pages. Only a demo server may exempt the demo moderator account.
DEMO_MODERATOR_WITHOUT_MFA = DEMO_MODE and env.get_bool("DEMO_MODERATOR_WITHOUT_MFA", default=False)
MFA_TOTP_ISSUER = SITE_NAME
# Sessions list: last-seen tracking would write the database on every page
# view; the list shows when each session started and its browser instead.
USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ADAPTER = "members.adapter.UserSessionsAdapter"

# --- Privacy --------------------------------------------------------------------
# allauth's sessions list stores each session's IP address; here it stores
# 0.0.0.0 instead unless this is on (members.privacy.forget_session_address).
RECORD_SESSION_IPS = env.get_bool("RECORD_SESSION_IPS", default=False)
# Addresses older than this are blanked by `manage.py purge_ips`, which the
# outbox worker runs daily.
IP_RETENTION_DAYS = env.get_int("IP_RETENTION_DAYS", 14)

# "Leave quickly" on every page goes here (three presses of Escape too): a
# neutral site that says nothing about why someone went there. The operator
# picks one that suits the members' countries and languages.
QUICK_EXIT_URL = env.get_web_url("QUICK_EXIT_URL", "https://www.bbc.com/weather")

# --- Abuse limits -------------------------------------------------------------
# The client address is REMOTE_ADDR unless this many proxies of ours sit in
# front (nginx in deploy/: 1); then it is the entry that many places from the
# right of X-Forwarded-For, the part a client cannot forge
# (network.ratelimit.client_ip, used by allauth's limits and ours).
TRUSTED_PROXY_COUNT = env.get_int("TRUSTED_PROXY_COUNT", 0, maximum=10)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Our own limits per member (per address for visitors), counted in the shared
# cache: "amount/period" in s, m, h or d, several separated by commas.
# Nobody is exempt, moderators included. RATE_LIMITS in the environment
# changes them ("search=120/m;post=20/m,200/h") or turns them off ("off").
DEFAULT_RATE_LIMITS = {
    "post": "10/m,100/h",  # new threads, replies, edits, lessons and their steps
    "preview": "120/m",  # the reply box's live preview and preview buttons
    "flag": "20/h",
    "invitation": "10/d",
    "follow": "30/h",  # following and unfollowing members
    "search": "60/m",
    "announce": "10/h",
    "upload": "20/h,100/d",  # library resources and files added
    "contact": "5/h,20/d",  # messages through the contact form, per address or member
    "socket": "30/m",  # WebSocket connection attempts
}
RATE_LIMITS = env.get_rate_limits("RATE_LIMITS", DEFAULT_RATE_LIMITS)
# Open WebSockets per member across every process (0: no limit).
SOCKETS_PER_MEMBER = env.get_int("SOCKETS_PER_MEMBER", 10)

# --- Rendered rows ----------------------------------------------------------------
# Characters of rendered posts and thread rows each process keeps for reuse
# (common/fragments.py); 0 turns the reuse off.
FRAGMENT_CACHE_CHARS = env.get_int("FRAGMENT_CACHE_CHARS", 32_000_000)

# --- Email --------------------------------------------------------------------
_email_url = env.get_str("EMAIL_URL", "console:" if DEBUG else "smtp://localhost:25")
globals().update(env.email_from_url("EMAIL_URL", _email_url))
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "network@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
# The shipped languages (README, "Languages"): each has a complete catalogue in
# locale/<code>/ (tests/network/test_translations.py). Arabic is right-to-left:
# base.html sets dir from LANGUAGE_BIDI and site.css uses logical properties.
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Formats Django's locale files lack (Arabic has no DATETIME_FORMAT of its own).
FORMAT_MODULE_PATH = ["network.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.get_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "network" / "static"]
# Without DEBUG, whitenoise serves only collected files (collectstatic at build).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files when developing
        # and testing, so no collectstatic step is needed there.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Library files ---------------------------------------------------------------
# README "Library". Members' files (the library's, and those attached to forum
# posts) are stored under random names through the "uploads" storage
# (common/filestore.py): a local directory by default (never under
# STATIC_ROOT), or an S3-compatible bucket through django-storages when
# LIBRARY_S3_BUCKET is set (pip install -e ".[s3]"). Downloads always go
# through an access-checked view.
UPLOAD_MAX_BYTES = env.get_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024, minimum=1024)
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
LIBRARY_S3_BUCKET = env.get_str("LIBRARY_S3_BUCKET")
if LIBRARY_S3_BUCKET:
    STORAGES["uploads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": LIBRARY_S3_BUCKET,
            "endpoint_url": env.get_str("LIBRARY_S3_ENDPOINT_URL") or None,
            "region_name": env.get_str("LIBRARY_S3_REGION") or None,
            "access_key": env.get_str("LIBRARY_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get_str("LIBRARY_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["uploads"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "library", "base_url": None},
    }
# Behind nginx (deploy/nginx.conf): the download view answers with an
# X-Accel-Redirect to this internal location instead of streaming the file.
# Empty: the worker streams it (make run, tests, S3, encrypted files).
LIBRARY_ACCEL_REDIRECT = env.get_str("LIBRARY_ACCEL_REDIRECT")
# A Fernet key (python -c "from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())"): files are encrypted before they are
# stored; README says what this protects and what it costs.
FILE_ENCRYPTION_KEY = env.get_str("FILE_ENCRYPTION_KEY")
if FILE_ENCRYPTION_KEY:
    from cryptography.fernet import Fernet

    try:
        Fernet(FILE_ENCRYPTION_KEY.encode())
    except ValueError:
        raise env.ConfigError(
            "FILE_ENCRYPTION_KEY", "must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None

# --- Security -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.get_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=300)
# Discreet mode (members/discreet.py): the session ends with the browser and
# after this many minutes without a request.
DISCREET_IDLE_MINUTES = env.get_int("DISCREET_IDLE_MINUTES", 120, minimum=5)
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Off only when a proxy in front already redirects HTTP to HTTPS.
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks come from inside the deployment over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.get_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips it from
# clients); otherwise a client could claim HTTPS.
if env.get_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "INFO").upper()},
    # Every record goes to the root's one handler. Django's own defaults also
    # print the "django" logger's records on the console in debug, so each
    # request line (daphne's "django.channels.server") appeared twice; naming
    # the logger here removes that handler.
    "loggers": {
        "django": {"level": "INFO", "handlers": []},
        "django.server": {"level": "WARNING"},
    },
}
