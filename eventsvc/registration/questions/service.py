"""The organizer's changes to an event's registration questions.

A question with answers keeps its kind, and a choice with answers keeps its key and row for
ever: renaming it changes what every answer shows, "removing" it hides it from new answers.
"""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import selectinload

from eventsvc.audit.service import record
from eventsvc.core.errors import Conflict, NotFound, ServiceError
from eventsvc.events.models import Event
from eventsvc.events.service import copies_into_next_edition
from eventsvc.extensions import db
from eventsvc.registration.categories import list_categories  # its copier runs before ours
from eventsvc.registration.enums import QuestionKind
from eventsvc.registration.models import Category
from eventsvc.registration.questions.models import Answer, Choice, Question, answer_choices

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: column names the invitation import already uses: a question key cannot take one of them
RESERVED_KEYS = frozenset({"name", "name_local", "email", "organization", "position", "phone", "category",
                           "sessions", "language", "message"})
MAX_CHOICES = 100


@dataclass
class ChoiceInput:
    label: str
    label_local: str | None = None
    #: an existing choice's key (it keeps its answers); None for a new choice
    key: str | None = None


@dataclass
class QuestionInput:
    kind: QuestionKind | str
    label: str
    label_local: str | None = None
    help: str | None = None
    help_local: str | None = None
    required: bool = False
    key: str | None = None
    category_ids: list[int] = field(default_factory=list)
    #: the choices in their order; choices left out are deleted (or hidden, once answered)
    choices: list[ChoiceInput] = field(default_factory=list)
    hidden: bool = False


#: built once: every registration runs it
_QUESTIONS = (select(Question).where(Question.event_id == bindparam("event_id"))
              .options(selectinload(Question.choices), selectinload(Question.categories))
              .order_by(Question.position, Question.id))


def list_questions(event: Event) -> list[Question]:
    """Every question of the event, hidden ones too, in the organizer's order (three queries)."""
    return list(db.session.scalars(_QUESTIONS, {"event_id": event.id}))


def question_for(event: Event, question_id: int) -> Question:
    question = db.session.scalar(select(Question).where(Question.id == question_id, Question.event_id == event.id))
    if question is None:
        raise NotFound("not_found", _("No such question at this event."))
    return question


def has_answers(question: Question) -> bool:
    return bool(db.session.scalar(select(exists().where(Answer.question_id == question.id))))


def _answered_choice_ids(question: Question) -> set[int]:
    return set(db.session.scalars(
        select(answer_choices.c.choice_id).join(Choice, Choice.id == answer_choices.c.choice_id)
        .where(Choice.question_id == question.id).distinct()))


def _text(value: str | None, limit: int, name: str, *, required: bool = False, what=None) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError("required", what or _("Enter a label."), field=name)
    if len(value) > limit:
        raise ServiceError("too_long", ngettext("At most %(n)d character.", "At most %(n)d characters.", limit, n=limit), field=name)
    return value or None


def _kind(kind) -> QuestionKind:
    try:
        return QuestionKind(kind)
    except ValueError:
        raise ServiceError("bad_kind", _("Unknown kind of question."), field="kind") from None


def _slug(label: str) -> str:
    """A key from the first words of the English label: "Arrival flight" → "arrival_flight"."""
    words = re.findall(r"[a-z0-9]+", label.lower())
    base = ""
    for word in words[:4]:
        if base and len(base) + 1 + len(word) > 30:
            break
        base = f"{base}_{word}" if base else word[:30]
    if not base or not base[0].isalpha():
        base = f"q_{base}".rstrip("_")
    return base if base not in RESERVED_KEYS else f"q_{base}"


def _unique_key(event: Event, key: str, question: Question | None = None) -> str:
    taken = set(db.session.scalars(select(Question.key).where(
        Question.event_id == event.id, Question.id != (question.id if question else -1))))
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key[:36]}_{n}", n + 1
    return candidate


def _check_key(event: Event, key: str, question: Question | None) -> str:
    key = key.strip().lower()
    if not KEY.match(key) or key in RESERVED_KEYS:
        raise ServiceError("bad_key", _("The key starts with a letter and uses a-z, 0-9 and _ (not a "
                                        "standard column such as name or email)."), field="key")
    if db.session.scalar(select(Question.id).where(Question.event_id == event.id, Question.key == key,
                                                   Question.id != (question.id if question else -1))):
        raise Conflict("duplicate_key", _("Another question has this key."), field="key")
    return key


def _categories(event: Event, ids: list[int]) -> list[Category]:
    ids = sorted(set(ids or []))
    if not ids:
        return []
    found = list(db.session.scalars(select(Category).where(Category.event_id == event.id, Category.id.in_(ids))))
    if len(found) != len(ids):
        raise ServiceError("unknown_category", _("Unknown category."), field="category_ids")
    return found


def _set_choices(question: Question, kind: QuestionKind, wanted: list[ChoiceInput]) -> None:
    """Put the choices in the wanted order; a left-out choice is deleted, or hidden once answered."""
    if not kind.has_choices:
        if question.choices and _answered_choice_ids(question):
            raise Conflict("kind_locked", _("Guests have answered this question: its kind cannot change."),
                           field="kind")
        question.choices = []
        return
    wanted = [c for c in wanted if (c.label or "").strip() or c.key]
    if not any((c.label or "").strip() for c in wanted):
        raise ServiceError("choices_required", _("Give at least one choice."), field="choices")
    if len(wanted) > MAX_CHOICES:
        raise ServiceError("too_many_choices", ngettext("At most %(n)d choice.", "At most %(n)d choices.",
                                                                       MAX_CHOICES, n=MAX_CHOICES), field="choices")
    existing = {c.key: c for c in question.choices}
    answered = _answered_choice_ids(question) if existing else set()
    seen_labels: set[str] = set()
    kept: list[Choice] = []
    used_keys = set(existing)
    for position, wanted_choice in enumerate(wanted, start=1):
        label = _text(wanted_choice.label, 200, "choices", required=True, what=_("Every choice needs a label."))
        label_local = _text(wanted_choice.label_local, 200, "choices")
        if label.lower() in seen_labels:
            raise ServiceError("duplicate_choice", _("Two choices are called “%(label)s”.", label=label),
                               field="choices")
        seen_labels.add(label.lower())
        choice = existing.get(wanted_choice.key) if wanted_choice.key else None
        if wanted_choice.key and choice is None:
            raise ServiceError("unknown_choice", _("Unknown choice “%(key)s”.", key=wanted_choice.key),
                               field="choices")
        if choice is None:
            n = len(used_keys) + 1
            while f"c{n}" in used_keys:
                n += 1
            choice = Choice(key=f"c{n}")
            used_keys.add(choice.key)
        choice.label, choice.label_local, choice.position, choice.hidden = label, label_local, position, False
        kept.append(choice)
    for position, choice in enumerate((c for c in question.choices if c not in kept), start=len(kept) + 1):
        if choice.id in answered:  # its answers keep showing its label
            choice.hidden, choice.position = True, position
            kept.append(choice)
    question.choices = kept


def _apply(event: Event, question: Question, data: QuestionInput) -> None:
    kind = _kind(data.kind)
    if question.id is not None and kind != question.kind and has_answers(question):
        raise Conflict("kind_locked", _("Guests have answered this question: its kind cannot change."),
                       field="kind")
    question.label = _text(data.label, 300, "label", required=True)
    question.label_local = _text(data.label_local, 300, "label_local")
    question.help = _text(data.help, 1000, "help")
    question.help_local = _text(data.help_local, 1000, "help_local")
    question.required = bool(data.required)
    question.hidden = bool(data.hidden)
    question.categories = _categories(event, data.category_ids)
    _set_choices(question, kind, data.choices)
    question.kind = kind


def create_question(event: Event, data: QuestionInput) -> Question:
    question = Question(event_id=event.id, choices=[], categories=[])
    _apply(event, question, data)
    question.key = _check_key(event, data.key, None) if (data.key or "").strip() \
        else _unique_key(event, _slug(question.label))
    question.position = (db.session.scalar(select(func.max(Question.position))
                                           .where(Question.event_id == event.id)) or 0) + 1
    db.session.add(question)
    db.session.flush()
    record("question.created", event_id=event.id, obj=question, key=question.key)
    return question


def update_question(question: Question, data: QuestionInput) -> Question:
    """Change a question; its key stays unless a new one is given (imports and the API use it)."""
    event = db.session.get(Event, question.event_id)
    with db.session.no_autoflush:
        _apply(event, question, data)
        if (data.key or "").strip() and data.key.strip().lower() != question.key:
            question.key = _check_key(event, data.key, question)
    db.session.flush()
    record("question.updated", event_id=question.event_id, obj=question)
    return question


def move_question(question: Question, to_index: int) -> None:
    """Put the question at ``to_index`` (0 is first) in the event's order; others close up."""
    ordered = list(db.session.scalars(select(Question).where(Question.event_id == question.event_id)
                                      .order_by(Question.position, Question.id)))
    ordered.remove(question)
    ordered.insert(max(0, min(to_index, len(ordered))), question)
    for position, item in enumerate(ordered, start=1):
        item.position = position
    record("question.moved", event_id=question.event_id, obj=question, position=question.position)


def delete_question(question: Question) -> None:
    """Only a question nobody has answered; one with answers is hidden instead (its answers stay)."""
    if has_answers(question):
        raise Conflict("has_answers", _("Guests have answered this question: hide it instead, so that "
                                        "their answers stay."))
    record("question.deleted", event_id=question.event_id, obj=question, key=question.key)
    db.session.delete(question)


@copies_into_next_edition
def copy_questions(source: Event, copy: Event, _sessions: dict) -> None:
    """The next edition asks the same questions (without answers); categories match by code."""
    categories = {c.code: c for c in list_categories(copy)}
    for q in list_questions(source):
        db.session.add(Question(
            event_id=copy.id, key=q.key, kind=q.kind, label=q.label, label_local=q.label_local, help=q.help,
            help_local=q.help_local, required=q.required, position=q.position, hidden=q.hidden,
            categories=[categories[c.code] for c in q.categories if c.code in categories],
            choices=[Choice(key=c.key, label=c.label, label_local=c.label_local, position=c.position)
                     for c in q.choices if not c.hidden]))
