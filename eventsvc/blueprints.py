"""Every blueprint and CLI group, registered in one place.

Importing this module imports every capability's pages, API and CLI, and with them what
each adds to the registries of the layers below (the organizer's tabs, the overview's
figures, the next edition's copiers, the guest portal's sections, the API's error guard, the
readiness checks and scrape-time metrics).
So by the time create_app() returns, every registry is complete.
"""

from flask import Flask

from eventsvc.accounts import cli as accounts_cli
from eventsvc.accounts.views import bp as accounts_bp
from eventsvc.api.auth import init_api_auth
from eventsvc.awards.api import blp as awards_api
from eventsvc.awards.manage_views import bp as awards_manage_bp
from eventsvc.awards.public_views import bp as awards_public_bp
from eventsvc.badges.api import blp as badges_api
from eventsvc.badges.cli import badges_cli
from eventsvc.badges.portal_views import bp as badges_portal_bp
from eventsvc.badges.views import bp as badges_bp
from eventsvc.checkin.api import blp as checkin_api
from eventsvc.checkin.certificate_api import blp as attendance_api
from eventsvc.checkin.certificate_views import bp as attendance_certificates_bp
from eventsvc.checkin.views import bp as checkin_bp
from eventsvc.demo.cli import demo_cli
from eventsvc.events import cli as events_cli  # noqa: F401  (adds "flask users grant")
from eventsvc.events.agenda_views import bp as agenda_bp
from eventsvc.events.api import blp as events_api
from eventsvc.events.audit_views import bp as audit_pages_bp
from eventsvc.events.manage_views import bp as manage_bp
from eventsvc.events.people_api import blp as event_people_api
from eventsvc.events.people_views import bp as people_pages_bp
from eventsvc.events.public_views import bp as events_public_bp
from eventsvc.events.team_views import bp as team_bp
from eventsvc.extensions import api
from eventsvc.mail import monitoring as mail_monitoring  # noqa: F401  (outbox readiness and backlog)
from eventsvc.mail.cli import outbox_cli
from eventsvc.people.api import blp as people_api
from eventsvc.registration.api import blp as registration_api
from eventsvc.registration.cli import registration_cli
from eventsvc.registration.mail_api import blp as guest_mail_api
from eventsvc.registration.mail_views import bp as guest_mail_bp
from eventsvc.registration.manage_views import bp as registration_manage_bp
from eventsvc.registration.portal import bp as portal_bp
from eventsvc.registration.public_views import bp as registration_public_bp
from eventsvc.registration.questions.api import blp as questions_api
from eventsvc.registration.questions.views import bp as questions_bp
from eventsvc.registration.schedule import send_due_reminders  # noqa: F401  (periodic tasks for the worker)
from eventsvc.web.admin_views import bp as admin_bp
from eventsvc.web.views import bp as web_bp
from eventsvc.webhooks import tasks as webhook_tasks  # noqa: F401  (delivery task and sweep for the worker)
from eventsvc.webhooks.api import blp as webhooks_api
from eventsvc.webhooks.views import bp as webhooks_bp


def register(app: Flask) -> None:
    app.register_blueprint(web_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(events_public_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(registration_public_bp)
    app.register_blueprint(registration_manage_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(guest_mail_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(awards_manage_bp)
    app.register_blueprint(awards_public_bp)
    app.register_blueprint(badges_bp)
    app.register_blueprint(badges_portal_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(attendance_certificates_bp)
    app.register_blueprint(webhooks_bp)

    app.register_blueprint(agenda_bp)
    app.register_blueprint(people_pages_bp)
    app.register_blueprint(audit_pages_bp)

    api.register_blueprint(events_api)
    api.register_blueprint(people_api)
    api.register_blueprint(event_people_api)
    api.register_blueprint(registration_api)
    api.register_blueprint(questions_api)
    api.register_blueprint(guest_mail_api)
    api.register_blueprint(awards_api)
    api.register_blueprint(badges_api)
    api.register_blueprint(checkin_api)
    api.register_blueprint(attendance_api)
    api.register_blueprint(webhooks_api)
    init_api_auth(app)

    app.cli.add_command(accounts_cli.users_cli)
    app.cli.add_command(accounts_cli.tokens_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(registration_cli)
    app.cli.add_command(badges_cli)
