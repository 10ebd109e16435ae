"""The Celery entry point: ``celery -A eventsvc.worker worker`` (and ``beat``, or ``worker --beat``).

Builds the Flask app (every capability's tasks register as their modules load) and turns the
periodic-task registry into beat's schedule. On one machine ``scripts/serve`` starts
``celery -A eventsvc.worker worker --beat --pool threads`` itself, on the SQLite broker.
"""

from eventsvc import create_app
from eventsvc.core import tasks

flask_app = create_app()  # not "app": celery -A looks for that name first
celery = tasks.celery
celery.conf.beat_schedule = tasks.beat_schedule(flask_app.config)
