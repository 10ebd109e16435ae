"""Testing: the database comes from EVENTSVC_DATABASE_URL (set by the test fixtures)."""

TESTING = True
SECRET_KEY = "testing-only-not-secret"
WTF_CSRF_ENABLED = True
LOGIN_MAX_FAILURES = 5
MAIL_BACKEND = "smtp"
PREFERRED_URL_SCHEME = "http"
# Tasks run at once in the test process; tests with real workers override these.
TASKS_EAGER = True
MAIL_DELIVER_AFTER_COMMIT = False
