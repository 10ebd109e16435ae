"""Settings shared by every environment.

Each setting can be overridden by an environment variable named
``EVENTSVC_<NAME>`` (values are parsed as JSON where they look like JSON).
``EVENTSVC_DATABASE_URL`` sets ``SQLALCHEMY_DATABASE_URI``.
"""

from datetime import timedelta

SECRET_KEY = None
# Encrypts the badge signing keys stored in the database. Set it (EVENTSVC_BADGE_KEY_ENCRYPTION_KEY,
# 32+ random characters) and back it up: then SECRET_KEY can be rotated without touching badges.
# Not set, a key derived from SECRET_KEY is used (installations from before this setting);
# `flask badges rotate-kek` moves the keys from one secret to the other.
BADGE_KEY_ENCRYPTION_KEY = None
SQLALCHEMY_DATABASE_URI = None  # development/testing pick SQLite in the instance folder
# No pre-ping round trip per request (it costs as much as a badge scan); connections are
# recycled after 30 minutes instead, which outlives idle-connection timeouts of proxies.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 1800}

BABEL_DEFAULT_LOCALE = "en"
BABEL_DEFAULT_TIMEZONE = "UTC"
LANGUAGES = {"en": "English", "zh": "简体中文"}

# Accounts: after LOGIN_MAX_FAILURES failed logins in a row an account waits
# 2^(n - LOGIN_MAX_FAILURES) × LOGIN_BACKOFF_SECONDS (at most LOGIN_BACKOFF_MAX_SECONDS) before
# its next attempt counts; a success or a new password clears it. One client address may fail
# LOGIN_CLIENT_MAX_FAILURES times in LOGIN_CLIENT_WINDOW_SECONDS, at any accounts.
LOGIN_MAX_FAILURES = 5
LOGIN_BACKOFF_SECONDS = 30
LOGIN_BACKOFF_MAX_SECONDS = 15 * 60
LOGIN_CLIENT_MAX_FAILURES = 20
LOGIN_CLIENT_WINDOW_SECONDS = 300

# The number of reverse proxies in front of the app (nginx: 1). With it, the client's address,
# scheme and host come from the proxies' X-Forwarded-For/-Proto/-Host (Werkzeug's ProxyFix);
# 0 ignores those headers (anyone can send them), so set it only behind a proxy that sets them.
TRUSTED_PROXIES = 0

# API
API_TITLE = "eventsvc API"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
OPENAPI_SWAGGER_UI_PATH = None

# Mail: "file" writes .eml files to the instance folder, "smtp" delivers.
MAIL_BACKEND = "file"
MAIL_SERVER = "127.0.0.1"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "eventsvc <no-reply@eventsvc.local>"
MAIL_MAX_ATTEMPTS = 8

# Public URL used in e-mails, badges and certificates when no request is active.
PUBLIC_BASE_URL = "http://127.0.0.1:5000"

# Uploads (slides, photos)
MAX_CONTENT_LENGTH = 25 * 1024 * 1024
SLIDES_MAX_BYTES = 20 * 1024 * 1024
#: a speaker's photo: the upload's size, its decoded size (a small file may declare a huge image),
#: and the longest side of the JPEG kept (people.photos)
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_SIZE = 600

# Spreadsheet imports (invitations, award recipients): checked before and while parsing, so
# that a small file that unpacks to a huge one is refused in milliseconds (413, nothing saved).
# IMPORT_MAX_ROWS counts the rows under the header; an .xlsx member of 1 MB or more may be
# packed at most IMPORT_MAX_COMPRESSION_RATIO to 1 (ordinary sheets pack about 15 to 1).
IMPORT_MAX_FILE_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 20000
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
IMPORT_MAX_COMPRESSION_RATIO = 100
IMPORT_MAX_SECONDS = 20
# Spreadsheet imports of invitations with more rows than this are checked and written by a
# background worker, with a progress page; smaller ones stay in the request.
IMPORT_ASYNC_ROWS = 2000

# Invitation and guest links
INVITATION_TTL_DAYS = 60
# One-time links that invited team members set their password with
PASSWORD_LINK_TTL_HOURS = 72

# The public registration form: submissions per client address and per e-mail address (at any
# event), counted in the database across all workers; beyond either, 429 and nothing is sent.
SELF_REGISTRATION_LIMIT_PER_CLIENT = 20
SELF_REGISTRATION_CLIENT_WINDOW_SECONDS = 600
SELF_REGISTRATION_LIMIT_PER_ADDRESS = 5
SELF_REGISTRATION_ADDRESS_WINDOW_SECONDS = 3600

# Strict-Transport-Security: seconds browsers keep to HTTPS for this site; 0 sends no header. It is
# sent only over HTTPS (or when PREFERRED_URL_SCHEME is https), see eventsvc/core/security_headers.py.
HSTS_SECONDS = 0
HSTS_INCLUDE_SUBDOMAINS = False

# Logs: "json" (one object per line, production) or "text"; LOG_REQUESTS adds a line per request.
LOG_FORMAT = "text"
LOG_LEVEL = "INFO"
LOG_REQUESTS = False

# /metrics (Prometheus): readable with "Authorization: Bearer <METRICS_TOKEN>" when that is set, or
# from these client networks (the real client behind TRUSTED_PROXIES). See docs/deploy.md.
METRICS_TOKEN = None
METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]

# /readyz: the oldest undelivered e-mail may wait this many seconds before the host says it is unready
READY_MAX_OUTBOX_AGE = 300

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# "Keep me signed in": a cookie (Flask-Login) that signing out or a new password ends.
REMEMBER_COOKIE_DURATION = timedelta(days=30)
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
WTF_CSRF_TIME_LIMIT = None

# Background work (Celery). The broker: empty means a SQLite file in the instance folder
# (sqla+sqlite:///<instance>/tasks.sqlite: one machine, no server); several hosts share Redis,
# e.g. redis://broker:6379/0. Redis hands a task whose worker died to another worker after
# TASK_VISIBILITY_TIMEOUT seconds; the periodic sweeps (every TASK_SWEEP_SECONDS) hand over
# jobs whose lease (JOB_LEASE_SECONDS, renewed while the job runs) expired.
TASK_BROKER_URL = None
TASK_VISIBILITY_TIMEOUT = 60
TASK_SWEEP_SECONDS = 30
JOB_LEASE_SECONDS = 60
# Unit tests only: run each task at once, in the caller (no worker)
TASKS_EAGER = False
WORKER_HEARTBEAT_SECONDS = 15
# Mail: a delivery task is queued after each commit that queues mail; the outbox is swept every
# MAIL_SWEEP_SECONDS; a sender's claim on a message lasts MAIL_LEASE_SECONDS.
MAIL_DELIVER_AFTER_COMMIT = True
MAIL_SWEEP_SECONDS = 30
MAIL_LEASE_SECONDS = 120
# Webhooks (eventsvc/webhooks): delivery rows are written with the change and sent by workers,
# kicked after the commit and swept every WEBHOOK_SWEEP_SECONDS. A receiver has
# WEBHOOK_TIMEOUT_SECONDS to answer; a failed attempt is retried after the pauses below (the last
# repeats) until WEBHOOK_MAX_ATTEMPTS, then marked failed. Endpoints must be https:// on a public
# address; WEBHOOKS_ALLOW_LOOPBACK = True (EVENTSVC_WEBHOOKS_ALLOW_LOOPBACK=true) also allows
# http(s)://127.0.0.1, [::1] and localhost, for a receiver on a developer's machine (tests allow
# them anyway). Never set it in production: it lets endpoints call the server itself.
WEBHOOKS_DELIVER_AFTER_COMMIT = True
WEBHOOKS_ALLOW_LOOPBACK = False
WEBHOOK_SWEEP_SECONDS = 30
WEBHOOK_LEASE_SECONDS = 60
WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_MAX_ATTEMPTS = 6
WEBHOOK_BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600)
# How long a process trusts what it knows of an event's webhook subscribers (see webhooks/service.py)
WEBHOOK_SUBSCRIBER_CACHE_SECONDS = 10
# Expiring invitations whose links have expired, and pre-event reminders: checked this often.
REGISTRATION_SCHEDULE_SECONDS = 60

# Files (generated PDFs, uploads, import previews): a folder, shared by every host (NFS) when
# there are several. Empty: <instance>/storage. Generated files are pruned after STORAGE_KEEP_DAYS.
STORAGE_DIR = None
STORAGE_KEEP_DAYS = 7
STORAGE_PRUNE_SECONDS = 3600
