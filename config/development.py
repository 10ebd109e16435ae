"""Development: SQLite in the instance folder, a fixed throwaway secret, mail to .eml files."""

DEBUG = True
SECRET_KEY = "dev-only-not-secret"
MAIL_BACKEND = "file"
