"""Record audit events in the caller's transaction."""

from collections.abc import Sequence

from flask import has_request_context
from flask_login import current_user

from eventsvc.audit.models import AuditEvent
from eventsvc.core.appends import Rows, insert_rows
from eventsvc.extensions import db


def _user_id(user_id: int | None) -> int | None:
    if user_id is None and has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return user_id


def _row(action: str, event_id: int | None, obj, actor: str | None, user_id: int | None, details: dict) -> dict:
    return {"action": action, "event_id": event_id,
            "object_type": type(obj).__name__ if obj is not None else None,
            "object_id": getattr(obj, "id", None), "user_id": user_id, "actor": actor,
            "details": details or None}


def record(action: str, *, event_id: int | None = None, obj=None, actor: str | None = None,
           user_id: int | None = None, **details) -> AuditEvent:
    entry = AuditEvent(**_row(action, event_id, obj, actor, _user_id(user_id), details))
    db.session.add(entry)
    return entry


def record_many(action: str, objects: Sequence, *, event_id: int | None = None, actor: str | None = None,
                user_id: int | None = None, **details) -> int:
    """``record(action, obj=o, **details)`` for each of many objects (already flushed: they have
    their id), in one statement per page of rows instead of one ORM object each (also the hot
    path's one row: no unit of work to flush); returns the count."""
    return insert_rows(rows_for(action, objects, event_id=event_id, actor=actor, user_id=user_id, **details))


def rows_for(action: str, objects: Sequence, *, event_id: int | None = None, actor: str | None = None,
             user_id: int | None = None, **details) -> Rows:
    """The rows ``record_many`` writes, for the caller to write with others
    (``core.appends.insert_together``)."""
    user_id = _user_id(user_id)
    return Rows(AuditEvent.__table__, [_row(action, event_id, obj, actor, user_id, details) for obj in objects])
