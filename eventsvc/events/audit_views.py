"""The organizer's audit trail page of an event, and its CSV/XLSX export.

Filterable by kind of action and by person (who acted, or whom it was about); times in the
event's zone. Only the event's organizers read it.
"""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from eventsvc.audit import trail
from eventsvc.core.i18n import format_event_datetime
from eventsvc.core.input import int_arg
from eventsvc.core.manage_nav import add_tab
from eventsvc.core.spreadsheets import export_response
from eventsvc.events import audit_trail
from eventsvc.events.models import Event
from eventsvc.events.permissions import ORGANIZER, requires_event_role

bp = Blueprint("audit_pages", __name__, url_prefix="/manage/e")
add_tab("audit_pages.trail_page", _l("Audit trail"), ("audit_pages.",), position=130)

PAGE_SIZE = 100
TIME_FORMAT = "yyyy-MM-dd HH:mm:ss"


def _filters(event: Event) -> dict:
    kind = (request.args.get("kind") or "").strip()[:80] or None
    return {"kind": kind, "who": (request.args.get("who") or "").strip()[:200] or None,
            "user_id": int_arg("user", minimum=1), "person_id": int_arg("person", minimum=1)}


@bp.get("/<slug>/audit")
@requires_event_role(ORGANIZER)
def trail_page(event: Event):
    filters = _filters(event)
    number = int_arg("page", minimum=1, maximum=100_000) or 1
    where = audit_trail.trail_filter(event, **filters)
    rows, more = audit_trail.page_of(event, where, number, PAGE_SIZE)
    kinds = [(kind, audit_trail.kind_label(kind)) for kind in trail.kinds(event.id)]
    query = {key: value for key, value in (("kind", filters["kind"]), ("who", filters["who"]),
                                            ("user", filters["user_id"]), ("person", filters["person_id"]))
             if value}
    return render_template("events/manage_audit.html", event=event, rows=rows, more=more, page=number,
                           kinds=kinds, filters=filters, query=query, action_label=audit_trail.action_label,
                           when=lambda at: format_event_datetime(at, event.timezone, TIME_FORMAT))


@bp.get("/<slug>/audit.<fmt>")
@requires_event_role(ORGANIZER)
def trail_export(event: Event, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    where = audit_trail.trail_filter(event, **_filters(event))
    headers = [_("Time (%(zone)s)", zone=event.timezone), _("What"), _("Action code"), _("Kind"), _("Who"),
               _("Account e-mail"), _("About"), _("About (Chinese name)"), _("Record"), _("Record id"),
               _("Details")]
    rows = audit_trail.export_rows(event, where,
                                   lambda at: format_event_datetime(at, event.timezone, TIME_FORMAT))
    return export_response(f"{event.slug}-audit", headers, rows, fmt)
