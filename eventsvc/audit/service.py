"""Record audit events in the caller's transaction."""

from flask import has_request_context
from flask_login import current_user

from eventsvc.audit.models import AuditEvent
from eventsvc.extensions import db


def record(action: str, *, event_id: int | None = None, obj=None, actor: str | None = None,
           user_id: int | None = None, **details) -> AuditEvent:
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        user_id = current_user.id
    entry = AuditEvent(
        action=action,
        event_id=event_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        user_id=user_id,
        actor=actor,
        details=details or None,
    )
    db.session.add(entry)
    return entry
