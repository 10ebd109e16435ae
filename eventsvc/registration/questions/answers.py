"""Guests' answers to an event's registration questions: the one validation, and the storage,
loading, display and filtering that lists, exports and the API share.

Whoever sends answers (the public form, the invitation's acceptance form, the portal, the API,
a spreadsheet import) calls ``check_answers`` (or ``set_answers``, which checks and stores):
one function decides what a valid answer is. A guest must answer the required questions;
an organizer (API, import) may leave them for the guest to fill in.

Answers are given by question key: text as text, a number ("12.5"), a date ("2023-03-31"),
a checkbox (yes / no, true / false, 是 / 否), a choice by its key or its label in either
language (several choices as a list, or in one cell separated by ";").
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import bindparam, exists, false, func, select, true
from sqlalchemy.orm import selectinload

from eventsvc.audit.service import record
from eventsvc.core.errors import ServiceError
from eventsvc.core.i18n import local
from eventsvc.events.models import Event
from eventsvc.extensions import db
from eventsvc.registration.enums import QuestionKind
from eventsvc.registration.models import Category, Registration
from eventsvc.registration.questions.models import Answer, Choice, Question, answer_choices
from eventsvc.registration.questions.service import list_questions
from eventsvc.registration.transitions import ACTIVE

K = QuestionKind
TEXT_LIMITS = {K.SHORT_TEXT: 300, K.LONG_TEXT: 4000}
YES = {"yes", "y", "true", "1", "on", "x", "✓", "✔", "是", "同意", "checked"}
NO = {"no", "n", "false", "0", "off", "否", "不同意", ""}
SEPARATORS = re.compile(r"[;；|\n]")
DATE_CELL = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")


class AnswersInvalid(ServiceError):
    """Some answers are wrong: ``errors`` maps each question's key to its messages."""

    def __init__(self, errors: dict[str, list[str]], labels: dict[str, str]):
        super().__init__("invalid_answers", _("Some answers need attention."),
                         details={"questions": errors})
        self.errors = errors
        #: each question's label (in the current language), to name it in a list of errors
        self.labels = labels

    def named(self) -> list[tuple[str, str]]:
        """(key, "Label: message") for every error, to show where the fields are not at hand."""
        return [(key, f"{self.labels.get(key, key)}: {message}") for key, messages in self.errors.items()
                for message in messages]

    def to_json(self) -> dict:
        body = super().to_json()
        body["errors"] = {f"answers.{key}": messages for key, messages in self.errors.items()}
        return body


@dataclass(frozen=True)
class Clean:
    """One checked answer, ready to store; empty clears the answer."""

    question: Question
    value: str | None = None
    choices: tuple[Choice, ...] = ()

    @property
    def empty(self) -> bool:
        return self.value is None and not self.choices


# --- which questions a guest is asked ------------------------------------------------------------

def shown_to(question: Question, category: Category | None) -> bool:
    if question.hidden:
        return False
    return not question.categories or (category is not None and any(c.id == category.id
                                                                     for c in question.categories))


#: built once: the public form reads its event and whether it has any question in one query
_EVENT_ASKING = select(Event, exists().where(Question.event_id == Event.id)).where(Event.slug == bindparam("slug"))


def event_asking(slug: str) -> tuple[Event | None, bool]:
    """The event with this slug (None if there is none) and whether it has any question, hidden
    ones included: an event that has none needs no ``list_questions``."""
    row = db.session.execute(_EVENT_ASKING, {"slug": slug}).first()
    return (None, False) if row is None else (row[0], bool(row[1]))


def questions_for(event: Event, category: Category | None, listed: list[Question] | None = None) -> list[Question]:
    """The questions a guest of this category is asked, in the organizer's order (of ``listed``,
    the event's ``list_questions`` when the caller has them already)."""
    return [q for q in (list_questions(event) if listed is None else listed) if shown_to(q, category)]


def guest_may_edit(registration: Registration | None) -> bool:
    """The portal lets a guest change their answers while their registration is still running."""
    return registration is not None and registration.status in ACTIVE


# --- the one validation ------------------------------------------------------------------------

def _choice(question: Question, token: str, held: set[int]) -> Choice:
    wanted = token.strip()
    lowered = wanted.lower()
    for choice in question.choices:
        if choice.hidden and choice.id not in held:
            continue
        if wanted == choice.key or lowered == choice.label.lower() or (choice.label_local and wanted == choice.label_local):
            return choice
    offered = ", ".join(local(c, "label") for c in question.choices if not c.hidden)
    raise ValueError(_("“%(value)s” is not one of the choices (%(choices)s).", value=wanted, choices=offered))


def _tokens(raw) -> list[str]:
    if isinstance(raw, list | tuple | set):
        items = [str(item) for item in raw if item is not None]
    else:
        items = SEPARATORS.split(str(raw))
    return [item.strip() for item in items if item and item.strip()]


def _clean_one(question: Question, raw: Any, held: Answer | None) -> Clean:
    """Check one answer; ValueError with a sentence for the guest when it is wrong."""
    kind = question.kind
    if raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list | tuple) and not raw):
        return Clean(question)
    if kind in TEXT_LIMITS:
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValueError(_("Enter text."))
        value = str(raw).strip()
        if len(value) > TEXT_LIMITS[kind]:
            raise ValueError(ngettext("At most %(n)d character.", "At most %(n)d characters.", TEXT_LIMITS[kind],
                                      n=TEXT_LIMITS[kind]))
        return Clean(question, value)
    if kind == K.NUMBER:
        if isinstance(raw, bool):
            raise ValueError(_("Enter a number."))
        try:
            number = Decimal(str(raw).strip().replace(",", "").replace("，", ""))
        except InvalidOperation:
            raise ValueError(_("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise ValueError(_("Enter a number."))
        text = format(number.normalize(), "f")
        return Clean(question, text if len(text) <= 40 else format(round(number, 6).normalize(), "f"))
    if kind == K.DATE:
        if isinstance(raw, datetime):
            raw = raw.date()
        if isinstance(raw, date):
            return Clean(question, raw.isoformat())
        match = DATE_CELL.match(str(raw).strip())
        try:
            if match is None:
                raise ValueError
            return Clean(question, date(*map(int, match.groups())).isoformat())
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == K.CHECKBOX:
        if isinstance(raw, bool):
            return Clean(question, "yes" if raw else None)
        word = str(raw).strip().lower()
        if word in YES:
            return Clean(question, "yes")
        if word in NO:
            return Clean(question)
        raise ValueError(_("Answer yes or no."))
    held_ids = {c.id for c in held.choices} if held else set()
    tokens = _tokens(raw)
    if kind == K.SINGLE_CHOICE and len(tokens) > 1:
        raise ValueError(_("Choose one answer only."))
    chosen: list[Choice] = []
    for token in tokens:
        choice = _choice(question, token, held_ids)
        if choice not in chosen:
            chosen.append(choice)
    return Clean(question, choices=tuple(sorted(chosen, key=lambda c: c.position)))


def check_answers(questions: list[Question], raw: Mapping[str, Any], *, by_guest: bool,
                  held: Mapping[int, Answer] | None = None) -> dict[int, Clean]:
    """Check the answers in ``raw`` (by question key) against the questions the guest is asked.

    Returns the checked answers of the questions present in ``raw``, or raises AnswersInvalid
    listing every wrong one. ``by_guest``: every required question must be answered (by
    ``raw`` or by an answer already ``held``); the consent checkbox must be ticked.
    """
    held = held or {}
    by_key = {q.key: q for q in questions}
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, Clean] = {}
    for key in raw:
        if key not in by_key:
            errors[str(key)] = [_("This event asks no such question of this guest.")]
    for question in questions:
        if question.key in raw:
            try:
                clean = _clean_one(question, raw[question.key], held.get(question.id))
            except ValueError as error:
                errors[question.key] = [str(error)]
                continue
            cleaned[question.id] = clean
            answered = not clean.empty
        else:
            answered = question.id in held
        if by_guest and question.required and not answered:
            errors[question.key] = [_("Please tick this box.") if question.kind == K.CHECKBOX
                                    else _("Please answer this question.")]
    if errors:
        labels = {q.key: local(q, "label") for q in questions}
        raise AnswersInvalid(errors, labels)
    return cleaned


# --- storing and loading -------------------------------------------------------------------------

def held_answers(event_id: int, person_id: int | None) -> dict[int, Answer]:
    """A guest's answers at this event by question id (two queries)."""
    if person_id is None:
        return {}
    return answers_by_person(event_id, [person_id]).get(person_id, {})


def store_answers(event_id: int, person_id: int, cleaned: Mapping[int, Clean]) -> bool:
    """Write checked answers; an empty one removes the guest's answer. True when something changed."""
    return person_id in store_many(event_id, {person_id: cleaned})


#: people per query of store_many (well under the bound-parameter limits)
PAGE = 1000


def store_many(event_id: int, cleaned: Mapping[int, Mapping[int, Clean]]) -> set[int]:
    """``store_answers`` for many guests at once ({person id: checked answers}, an import): their
    answers read in one query per page of people. The people whose answers changed."""
    cleaned = {person_id: answers for person_id, answers in cleaned.items() if answers}
    if not cleaned:
        return set()
    people = sorted(cleaned)
    existing: dict[tuple[int, int], Answer] = {}
    for start in range(0, len(people), PAGE):
        for answer in db.session.scalars(
                select(Answer).where(Answer.event_id == event_id, Answer.person_id.in_(people[start:start + PAGE]))
                .options(selectinload(Answer.choices))):
            existing[answer.person_id, answer.question_id] = answer
    changed = set()
    for person_id, answers in cleaned.items():
        for question_id, clean in answers.items():
            answer = existing.get((person_id, question_id))
            if clean.empty:
                if answer is not None:
                    db.session.delete(answer)
                    changed.add(person_id)
                continue
            if answer is None:
                answer = Answer(event_id=event_id, person_id=person_id, question_id=question_id, choices=[])
                db.session.add(answer)
            if answer.value != clean.value or list(answer.choices) != list(clean.choices):
                answer.value, answer.choices = clean.value, list(clean.choices)
                changed.add(person_id)
    db.session.flush()
    return changed


def set_answers(event: Event, person_id: int, category: Category | None, raw: Mapping[str, Any], *,
                by_guest: bool) -> bool:
    """Check and store a guest's answers (the portal, the API); AnswersInvalid changes nothing."""
    held = held_answers(event.id, person_id)
    cleaned = check_answers(questions_for(event, category), raw, by_guest=by_guest, held=held)
    changed = store_answers(event.id, person_id, cleaned)
    if changed:
        record("answers.updated", event_id=event.id, person_id=person_id, by_guest=by_guest,
               questions=sorted(c.question.key for c in cleaned.values()))
    return changed


def answers_by_person(event_id: int, person_ids: Iterable[int]) -> dict[int, dict[int, Answer]]:
    """{person_id: {question_id: Answer}} for a list page: two queries whatever its length."""
    person_ids = list(set(person_ids))
    result: dict[int, dict[int, Answer]] = {}
    if not person_ids:
        return result
    for answer in db.session.scalars(select(Answer).where(Answer.event_id == event_id,
                                                          Answer.person_id.in_(person_ids))
                                     .options(selectinload(Answer.choices))):
        result.setdefault(answer.person_id, {})[answer.question_id] = answer
    return result


# --- showing -------------------------------------------------------------------------------------

def answer_text(question: Question, answer: Answer | None, language: str | None = None) -> str:
    """The answer as people read it, choices in the reader's language."""
    if answer is None:
        return ""
    if question.kind.has_choices:
        return "; ".join(local(c, "label", language) for c in answer.choices)
    if question.kind == K.CHECKBOX:
        return _("Yes") if answer.value == "yes" else ""
    return answer.value or ""


def answer_cell(question: Question, answer: Answer | None) -> str:
    """The answer in an export: choices by their English label (an import reads them back)."""
    if answer is None:
        return ""
    if question.kind.has_choices:
        return "; ".join(c.label for c in answer.choices)
    return answer.value or ""


def answer_json(question: Question, answer: Answer | Clean | None):
    """The API's value: text, a number, "YYYY-MM-DD", true, a choice key or a list of keys.
    ``answer``: a stored one, or a checked one just stored (the same value and choices)."""
    if answer is None:
        return [] if question.kind == K.MULTIPLE_CHOICE else None
    if question.kind == K.SINGLE_CHOICE:
        return answer.choices[0].key if answer.choices else None
    if question.kind == K.MULTIPLE_CHOICE:
        return [c.key for c in answer.choices]
    if question.kind == K.CHECKBOX:
        return answer.value == "yes"
    if question.kind == K.NUMBER and answer.value is not None:
        number = Decimal(answer.value)
        return int(number) if number == number.to_integral_value() else float(number)
    return answer.value


def attach_answers(event: Event, items, questions: list[Question] | None = None) -> list:
    """Give each listed registration or invitation ``answers_by_key`` (the API's ``answers``), loaded
    for the whole list at once; returns the items. ``questions``: the event's ``list_questions``."""
    items = list(items)
    questions = list_questions(event) if questions is None else questions
    answers = answers_by_person(event.id, [i.person_id for i in items])
    for item in items:
        given = answers.get(item.person_id, {})
        item.answers_by_key = {q.key: answer_json(q, given[q.id]) for q in questions if q.id in given}
    return items


def attach_new_answers(item, questions: list[Question], cleaned: Mapping[int, Clean]):
    """``attach_answers`` for the registration or invitation of a person created in this request:
    their answers are exactly the ones just stored, so they are not read back. Returns the item."""
    item.answers_by_key = {q.key: answer_json(q, cleaned[q.id]) for q in questions
                           if q.id in cleaned and not cleaned[q.id].empty}
    return item


# --- forms ---------------------------------------------------------------------------------------

def field_name(question: Question) -> str:
    return f"q-{question.key}"


def answers_from_form(questions: list[Question], formdata) -> dict[str, Any]:
    """What the guest's form sent, by question key (every question: an empty field clears)."""
    raw: dict[str, Any] = {}
    for question in questions:
        name = field_name(question)
        if question.kind == K.MULTIPLE_CHOICE:
            raw[question.key] = formdata.getlist(name)
        elif question.kind == K.CHECKBOX:
            raw[question.key] = "yes" if formdata.get(name) else ""
        else:
            raw[question.key] = formdata.get(name, "")
    return raw


def form_values(questions: list[Question], held: Mapping[int, Answer]) -> dict[str, Any]:
    """The guest's answers as the form shows them: text, or the set of chosen keys."""
    values: dict[str, Any] = {}
    for question in questions:
        answer = held.get(question.id)
        if answer is None:
            continue
        values[question.key] = {c.key for c in answer.choices} if question.kind.has_choices else answer.value
    return values


def submitted_values(questions: list[Question], raw: Mapping[str, Any]) -> dict[str, Any]:
    """What the guest typed, to show it again beside the errors."""
    values: dict[str, Any] = {}
    for question in questions:
        value = raw.get(question.key)
        values[question.key] = set(value if isinstance(value, list) else [value]) if question.kind.has_choices \
            else value
    return values


# --- filtering a list by an answer -----------------------------------------------------------------

def answer_filter(event: Event, person_id_column, question_id: int | None, value: str | None):
    """A WHERE clause: the guest's answer to the question matches ``value`` (a choice by key or
    label, "yes"/"no" for a checkbox, part of a text, an equal number or date); without a value,
    the guest answered at all. None when the question is not the event's (no filter)."""
    question = db.session.scalar(select(Question).where(Question.id == question_id, Question.event_id == event.id)
                                 .options(selectinload(Question.choices))) if question_id else None
    if question is None:
        return None
    base = select(Answer.id).where(Answer.person_id == person_id_column, Answer.question_id == question.id)
    value = (value or "").strip()
    if not value:
        return exists(base)
    if question.kind.has_choices:
        lowered = value.lower()
        ids = [c.id for c in question.choices
               if value == c.key or lowered == c.label.lower() or value == (c.label_local or "")]
        if not ids:
            return false()
        return exists(base.join(answer_choices, answer_choices.c.answer_id == Answer.id)
                      .where(answer_choices.c.choice_id.in_(ids)))
    if question.kind == K.CHECKBOX:
        word = value.lower()
        if word in YES:
            return exists(base.where(Answer.value == "yes"))
        return ~exists(base.where(Answer.value == "yes")) if word in NO else true()
    if question.kind in TEXT_LIMITS:
        return exists(base.where(func.lower(Answer.value).contains(value.lower(), autoescape=True)))
    try:
        clean = _clean_one(question, value, None)
    except ValueError:
        return false()
    return exists(base.where(Answer.value == clean.value))
