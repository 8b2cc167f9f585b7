"""The one settings module of the portal.

Every value comes from an environment variable (see README, "Environment variables"), with a
local default that works out of the box while DEBUG is on. With DEBUG=0 the secure defaults
apply and the values that must not have a default (SECRET_KEY, ALLOWED_HOSTS) are required,
so ``manage.py check --deploy`` passes on a production configuration.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from planportal.env import (
    env_bool,
    env_int,
    env_json,
    env_list,
    env_rate,
    env_secret,
    env_str,
)
from planportal.gdal_runtime import bundled_gdal_library

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

# The local default only ever serves a developer's machine; production must set its own.
_LOCAL_SECRET_KEY = "local-development-only-not-secret-7c1f0e5b2a9d4c3e8f6a1b0d9e8c7f6a5b4"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY", _LOCAL_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "leaflet",
    # Throttles failed logins (staff login and admin); see "Staff logins" below.
    "axes",
    "planportal",
    "layers",
    "consultation",
    "front",
    "django.contrib.postgres",
    "procrastinate.contrib.django",
    "csp",
    # The history of plan text, indicators, consultations, layers and staff accounts, written
    # by database triggers (django-pghistory on django-pgtrigger); see trail/.
    "pgtrigger",
    "pghistory",
    "trail",
]

MIDDLEWARE = [
    # With a read replica (REPLICA_DATABASE_URL): which database this request reads from,
    # and the public's requests run again on the primary when the replica failed them
    # (planportal/db_router.py). Not used without a replica.
    "planportal.db_router.replica_reads",
    # Permissions-Policy on every page.
    "planportal.middleware.permissions_policy",
    # Next: a still-valid tile is answered 304 before anything else runs.
    "layers.tiles.fastpath.tile_revalidation",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) on every page, built once.
    "planportal.csp.SitePolicyMiddleware",
    # Static files, answered here; hashed ones cached for a year (planportal/storage.py).
    "planportal.storage.StaticFilesMiddleware",
    # Pages and JSON gzipped; below the static files, which collectstatic compressed already.
    "planportal.middleware.CompressedResponsesMiddleware",
    # Listed before LocaleMiddleware so that it sees the response after it.
    "planportal.middleware.language_neutral_responses",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which would read (and spool) a multipart body to find its token.
    "planportal.middleware.RefuseLargeBodies",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The keyed hash of the client's address on every audit event of the request.
    "planportal.audit.client_recorded",
    # After authentication: who is acting, for the history triggers (trail/middleware.py).
    "trail.middleware.TrailContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for too many failures into the login page with status 429.
    "axes.middleware.AxesMiddleware",
    # A database gone away (503) or a full disk (507), not a 500 (planportal/api_errors.py).
    "planportal.middleware.resource_failures_answered",
]

ROOT_URLCONF = "planportal.urls"
WSGI_APPLICATION = "planportal.wsgi.application"
# Callables that wrap the WSGI application in planportal/wsgi.py, outermost first: a still-valid
# tile revalidation is answered before Django builds a request (gunicorn only; the middleware
# of the same name covers runserver and the test client); an OGC items GET and a comment POST
# by their views and the middleware that shapes their answers, without the rest of the stack
# (layers/ogc/fastpath.py, consultation/fastpath.py).
WSGI_WRAPPERS = [
    "layers.tiles.fastpath.tile_revalidation_app",
    "layers.ogc.fastpath.ogc_items_app",
    "consultation.fastpath.comment_submission_app",
]

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
            ],
        },
    },
]

# Content-Security-Policy (django-csp). Scripts come from this site only: no inline script,
# no eval; the pages' data travels in <script type="application/json"> blocks, which are not
# run. Inline styles stay allowed: Leaflet positions the map's tiles and markers with style
# attributes, and the printed sheets and reports carry their own <style> (their content is
# the portal's, never a visitor's). The 天地图 basemap's tiles are images from its hosts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https://*.tianditu.gov.cn"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
    # A policy binds documents: static files and tiles (many per page, each paying the
    # header's 400 bytes on a weak phone) go without it.
    "EXCLUDE_URL_PREFIXES": ["/static/", "/tiles/"],
}

# Database: PostGIS. The local default matches what scripts/ensure-database.sh provisions.
_LOCAL_DATABASE_URL = "postgis://planportal:planportal@127.0.0.1:5432/planportal"


def _postgis_database(url: str, connect_timeout: int) -> dict:
    """A database of ``url``: PostGIS with a health check without a round trip
    (planportal/db_backend), persistent connections, and a connect timeout (a dead database
    must make /healthz answer 503 quickly instead of hanging a worker)."""
    database = dj_database_url.parse(
        url,
        engine="planportal.db_backend",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    database.setdefault("OPTIONS", {}).setdefault("connect_timeout", connect_timeout)
    return database


DATABASES = {
    "default": _postgis_database(
        env_secret("DATABASE_URL", _LOCAL_DATABASE_URL), env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
}
# The test database is copied from a template that already has PostGIS, so the application's
# role needs no superuser right to create the extension.
DATABASES["default"]["TEST"] = {
    "TEMPLATE": env_str("TEST_DATABASE_TEMPLATE", "template_postgis"),
    # Lets two test runs on one server keep apart (e.g. TEST_DATABASE_NAME=test_planportal_b).
    "NAME": env_str("TEST_DATABASE_NAME") or None,
}
# Behind a pooler in transaction mode (pgbouncer, pool_mode = transaction: the web nodes of
# the multi-node set-up, README "More than one machine"), a cursor cannot outlive its
# transaction: Django's server-side cursors for .iterator() are then plain ones.
DATABASE_TRANSACTION_POOLING = env_bool("DATABASE_TRANSACTION_POOLING", False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING

# A streaming replica for the public's reads (planportal/db_router.py): pages, tiles, OGC API
# and point reports of visitors who are not signed in and have not just written. Unset: one
# database, as before. Its connections fail fast (a dead replica costs a request at most
# REPLICA_CONNECT_TIMEOUT before it is run again on the primary).
REPLICA_DATABASE_URL = env_secret("REPLICA_DATABASE_URL")
# Seconds a client's reads stay on the primary after it wrote (read-your-writes across
# requests; the replica is normally milliseconds behind).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
# Seconds a web process reads from the primary only after the replica failed a probe.
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = _postgis_database(
        REPLICA_DATABASE_URL, env_int("REPLICA_CONNECT_TIMEOUT", 2)
    )
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_TRANSACTION_POOLING
    # Tests read "the replica" through the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["planportal.db_router.PrimaryReplicaRouter"]
else:
    DATABASE_ROUTERS = []

# The role that owns the tables and runs `manage.py migrate` (planportal/db_roles.py), so the
# application's own role holds no ownership: it may add to the audit trail but neither change
# it nor switch its triggers off. Only its user, password, host and port are used; the
# database is DATABASE_URL's (or the test database). Locally, scripts/ensure-database.sh
# provisions the default; with DATABASE_URL set and this unset, migrations run as the
# application's role and `migrate` warns that the trail is not protected from it.
_LOCAL_MIGRATION_DATABASE_URL = (
    "postgis://planportal_owner:planportal_owner@127.0.0.1:5432/planportal"
)
_migration_url = env_secret(
    "MIGRATION_DATABASE_URL",
    "" if env_secret("DATABASE_URL") else _LOCAL_MIGRATION_DATABASE_URL,
)
DATABASE_OWNER = (
    {
        key: value
        for key, value in dj_database_url.parse(_migration_url).items()
        if key in ("USER", "PASSWORD", "HOST", "PORT")
    }
    if _migration_url
    else None
)

GDAL_LIBRARY_PATH = env_str("GDAL_LIBRARY_PATH") or bundled_gdal_library()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The staff roles' permissions (planportal/roles.py), checked per plan.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Simplified Chinese first; English is served under the /en/ prefix.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Media: the files kept through Django's storage API (photos, figures and their thumbnails,
# plan documents, procedure records, frozen reports). A folder under MEDIA_ROOT by default,
# which every node reaches when there are several (NFS); or any storage backend, e.g.
# S3-compatible object storage with django-storages (README, "More than one machine"):
# MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage and its options as JSON in
# MEDIA_STORAGE_OPTIONS (or a file, MEDIA_STORAGE_OPTIONS_FILE: it holds the keys).
_media_storage = {
    "BACKEND": env_str("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
}
if env_secret("MEDIA_STORAGE_OPTIONS"):
    _media_storage["OPTIONS"] = env_json("MEDIA_STORAGE_OPTIONS")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "planportal.storage.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
# Residents' photos reach officials through the portal only (consultation/photo_views.py).
# On: nginx sends the file from its internal /protected-media/ location (X-Accel-Redirect,
# deploy/nginx-planportal.conf); off (`make run`, the tests): Django sends it.
MEDIA_X_ACCEL_REDIRECT = env_bool("MEDIA_X_ACCEL_REDIRECT", False)

# Where to report a vulnerability privately (/.well-known/security.txt, SECURITY.md): a
# mailto: or https: URI the operator sets; none by default, so no address is made up.
SECURITY_CONTACT = env_str("SECURITY_CONTACT")
if SECURITY_CONTACT and not SECURITY_CONTACT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured("SECURITY_CONTACT must be a mailto: or https:// URI.")

# Security. Secure by default once DEBUG is off; each can be overridden for a special set-up.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER=1 so Django sees https.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Staff logins (/staff/login/ and the admin's): django-axes counts failures in the database and
# refuses a login after LOGIN_FAILURE_LIMIT failures of one username from one client address,
# or after one failure of a username from an address that already has
# LOGIN_FAILURE_LIMIT_PER_ADDRESS failures whatever the username (never the whole address), until
# LOGIN_LOCKOUT_MINUTES have passed since the last counted failure. planportal/staff_login.py
# holds the parts that are the portal's own (address, two limits, audit, the 429 page).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if not 1 <= LOGIN_FAILURE_LIMIT <= LOGIN_FAILURE_LIMIT_PER_ADDRESS:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT must be at least 1 and at most LOGIN_FAILURE_LIMIT_PER_ADDRESS."
    )
if LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_LOCKOUT_MINUTES must be at least 1.")
AXES_HANDLER = "planportal.staff_login.StaffLoginHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# The address every limit of the portal counts: TRUSTED_PROXY_HOPS, forged entries ignored.
AXES_CLIENT_IP_CALLABLE = "planportal.staff_login.client_address"
AXES_LOCKOUT_CALLABLE = "planportal.staff_login.lockout_response"
# A success clears that username's failures from that address (not the whole address's).
AXES_RESET_ON_SUCCESS = True
# Refused attempts during a lockout are not counted: the lockout ends LOGIN_LOCKOUT_MINUTES
# after the failure that caused it, as the page says, and a row cannot grow while locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Privacy: no row per successful login (AccessLog) and no permanent failure log; the rows
# axes needs (username, address, failure count) are deleted once older than the cool-off,
# and the lockouts themselves are in the audit trail with a keyed hash of the address.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "user_agent", "csrfmiddlewaretoken"]

# The trail (trail/): requests that may change rows carry who is acting into the database's
# history triggers; a GET changes nothing, so it is left alone.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# An event row copies its row's foreign keys without a database constraint; nullable, as
# rows recorded before a key was added to its model (a plan's version) have none to copy.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(null=True)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plan consultation portal API",
    "DESCRIPTION": "Territorial spatial plans, their chapters, layers and public consultation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Several models have a field "kind"; the procedure's steps name theirs.
    "ENUM_NAME_OVERRIDES": {
        "PhaseKindEnum": "planportal.models.PhaseKind",
        "VersionKindEnum": "planportal.models.VersionKind",
    },
}

# Leaflet: no basemap from the network by default; the plan layers draw on a plain background.
TIANDITU_KEY = env_str("TIANDITU_KEY", "")
LEAFLET_CONFIG = {"TILES": [], "RESET_VIEW": False}

# Consultation: what a resident may send, and the abuse controls (no outside service).
COMMENT_MAX_CHARS = env_int("COMMENT_MAX_CHARS", 2000)
COMMENT_MAX_VERTICES = env_int("COMMENT_MAX_VERTICES", 500)
COMMENT_MIN_FILL_SECONDS = env_int("COMMENT_MIN_FILL_SECONDS", 5)
COMMENT_FORM_MAX_AGE_SECONDS = env_int("COMMENT_FORM_MAX_AGE_SECONDS", 86_400)
# Comments one client address may send per hour, and per minute. Sized for carrier NAT (a
# village answering a WeChat push from one mobile address): the hourly cap is a crowd's, the
# minute's stops a script; beyond COMMENT_POW_AFTER each comment costs a solved challenge.
COMMENT_RATE_PER_IP = env_rate("COMMENT_RATE_PER_IP", (400, 3600))
COMMENT_BURST_PER_IP = env_rate("COMMENT_BURST_PER_IP", (30, 60))
COMMENT_RATE_PER_PHONE = env_rate("COMMENT_RATE_PER_PHONE", (5, 86_400))
# Comments in the hour after which every further comment of a client needs a solved
# proof-of-work challenge.
COMMENT_POW_AFTER = env_int("COMMENT_POW_AFTER", 10)
POW_DIFFICULTY = env_int("POW_DIFFICULTY", 16)
POW_MAX_AGE_SECONDS = env_int("POW_MAX_AGE_SECONDS", 600)
# Proxies in front of gunicorn whose X-Forwarded-For entries are trusted (0: none).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0)
COMMENT_PHOTO_MAX_BYTES = env_int("COMMENT_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
# Phones save JPEG at 12 MP by default (12.2 MP on iPhones, 12.5 MP binned from 50 MP
# sensors); 24 MP leaves room for 24 MP modes and for cameras, and photos are kept at 2048 px
# anyway. A JPEG is decoded at a reduced scale (1/2 at 24 MP: 18 MB). PNG and WebP are decoded
# at full size, 4 bytes a pixel with alpha, so their cap is lower: from a phone they are
# screenshots (3-4 MP), and comment-form.js sends every picture as a JPEG. The caps bound what
# one decode costs (measured peak): about 70 MB for an 8 MP PNG, 50 MB for a 24 MP JPEG, where
# a 40 MP PNG took several hundred (bench/photo_flood.py).
COMMENT_PHOTO_MAX_PIXELS = env_int("COMMENT_PHOTO_MAX_PIXELS", 24_000_000)
COMMENT_PHOTO_MAX_PIXELS_FULL_DECODE = env_int("COMMENT_PHOTO_MAX_PIXELS_FULL_DECODE", 8_000_000)
# Photos decoded at the same time per web process; others wait their turn (memory is bounded
# by workers x this x one decode, whatever arrives at once).
COMMENT_PHOTO_DECODES_PER_PROCESS = env_int("COMMENT_PHOTO_DECODES_PER_PROCESS", 1)
# A comment's photo stays in memory, never in a temporary file (Django spools a request to
# disk when its body is larger than this); layer uploads, much larger, go to disk. A larger
# comment is refused before it is read (consultation.photos.max_request_bytes).
FILE_UPLOAD_MAX_MEMORY_SIZE = (COMMENT_PHOTO_MAX_BYTES + 2) // 3 * 4 + 64 * 1024
# Form fields other than files (Django's default, written here as the pair of the above).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Django's own handlers, but a file spooled to disk is removed at once when the disk fills up
# (planportal/upload_handlers.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "planportal.upload_handlers.RemovedOnFailureTemporaryFileUploadHandler",
]
# Opinions whose words (jieba) overlap at least this much (Jaccard, percent) are offered to
# officials as one group of similar opinions (consultation/similar.py).
SIMILAR_OPINION_THRESHOLD = env_int("SIMILAR_OPINION_THRESHOLD_PERCENT", 60) / 100
COMMENT_PHOTO_MAX_SIDE = env_int("COMMENT_PHOTO_MAX_SIDE", 2048)
CONSULTATION_CACHE_SECONDS = env_int("CONSULTATION_CACHE_SECONDS", 10)
# Names, phones and emails are deleted this many days after a consultation closes.
CONTACT_RETENTION_DAYS = env_int("CONTACT_RETENTION_DAYS", 180)

# Telling residents that their opinion is answered (consultation/notices/). Without an SMTP
# host, mails are written to the console (the job worker's log); set EMAIL_HOST for real mail.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
# A class with send(phone, text) (consultation/notices/sms.py); the default only logs.
SMS_BACKEND = env_str("SMS_BACKEND", "consultation.notices.sms.ConsoleSmsBackend")

# The plan's 图集 (planportal/figures.py): a sheet is a PNG/JPEG image or a PDF. An A0 map at
# 300 dpi is about 140 million pixels; its thumbnail is at most THUMBNAIL_SIDE pixels a side.
FIGURE_MAX_BYTES = env_int("FIGURE_MAX_BYTES", 100 * 1024 * 1024)
FIGURE_MAX_PIXELS = env_int("FIGURE_MAX_PIXELS", 150_000_000)
FIGURE_THUMBNAIL_SIDE = env_int("FIGURE_THUMBNAIL_SIDE", 480)

# The plan's procedure (planportal/phases.py). Records of its steps (minutes, resolutions, the
# 批复) are PDF, PNG or JPEG files of at most this size.
PHASE_RECORD_MAX_BYTES = env_int("PHASE_RECORD_MAX_BYTES", 50 * 1024 * 1024)
# Days between the approval and the start of 批后公布, as issue 12 of the project asks (the
# domain notes name no article for it, hence a setting).
ANNOUNCEMENT_START_DAYS = env_int("ANNOUNCEMENT_START_DAYS", 20)
# The office's own advance notice of a hearing or review meeting, in days: no rule of the
# domain notes fixes one; officials are warned when a meeting is announced later than this.
HEARING_NOTICE_DAYS = env_int("HEARING_NOTICE_DAYS", 7)

# Layer uploads (layers/ingest): limits of one upload, sized for a township or county plan.
# The uploaded file itself (a zip, .gpkg, .geojson or .kml): a GeoPackage of 2,000,000
# parcels is about 1.2 GB.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 2 * 1024 * 1024 * 1024)
# Everything an archive unpacks to; a 50,000-parcel Shapefile is about 45 MB.
UPLOAD_MAX_UNPACKED_BYTES = env_int("UPLOAD_MAX_UNPACKED_BYTES", 4 * 1024 * 1024 * 1024)
# Entries of an archive; a FileGDB has 5 to 10 files per table.
UPLOAD_MAX_ARCHIVE_ENTRIES = env_int("UPLOAD_MAX_ARCHIVE_ENTRIES", 2000)
# Features of one layer, checked before the layer is read. The ingest streams (memory does
# not grow with the layer, layers/ingest/streaming.py), so this bounds time and disk only: a
# province's 2,000,000 parcels take a few minutes (bench/README.md, ingest.py).
LAYER_MAX_FEATURES = env_int("LAYER_MAX_FEATURES", 2_000_000)
# Vertices of one feature; a detailed township boundary has some tens of thousands.
UPLOAD_MAX_VERTICES_PER_FEATURE = env_int("UPLOAD_MAX_VERTICES_PER_FEATURE", 100_000)
# One ingest job (an upload or a 汇交 package) runs in a child process with these limits
# (layers/revisions/confined.py): CPU seconds, and bytes of data (heap and buffers, not the
# shared libraries). Memory stays flat with the layer's size (under 400 MiB resident for a
# million parcels); CPU grows with it, about a minute per million parcels.
INGEST_CPU_SECONDS = env_int("INGEST_CPU_SECONDS", 600)
INGEST_MEMORY_BYTES = env_int("INGEST_MEMORY_BYTES", 2 * 1024 * 1024 * 1024)
# An upload never started (no layer or fields chosen) is cancelled, its file removed, after:
UPLOAD_DRAFT_HOURS = env_int("UPLOAD_DRAFT_HOURS", 72)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The job queue announces every task registration at INFO, on every command.
    "loggers": {
        "procrastinate": {"level": env_str("QUEUE_LOG_LEVEL", "WARNING")},
        # django-axes reports every login at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
