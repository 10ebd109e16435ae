"""Production: PostgreSQL, real secrets and the public address, all from the environment.

    EVENTSVC_SECRET_KEY=...  EVENTSVC_DATABASE_URL=postgresql+psycopg://...
    EVENTSVC_PUBLIC_BASE_URL=https://events.example.org  EVENTSVC_BADGE_KEY_ENCRYPTION_KEY=...

The app refuses to start with a guessable secret or a loopback PUBLIC_BASE_URL
(eventsvc/core/production.py).
"""

DEBUG = False
SECRET_KEY = None  # must come from EVENTSVC_SECRET_KEY; the app refuses to start otherwise
SESSION_COOKIE_SECURE = True
REMEMBER_COOKIE_SECURE = True
MAIL_BACKEND = "smtp"
PREFERRED_URL_SCHEME = "https"
PUBLIC_BASE_URL = None  # must come from EVENTSVC_PUBLIC_BASE_URL: links in e-mails are built on it
# one year of HTTPS only; set EVENTSVC_HSTS_SECONDS=0 if the site is not served over HTTPS
HSTS_SECONDS = 365 * 24 * 3600
# one JSON object per log line, one line per request (gunicorn's own access log stays off)
LOG_FORMAT = "json"
LOG_REQUESTS = True
