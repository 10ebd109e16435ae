"""Custom registration questions, their choices, and the guests' answers.

An answer belongs to a person at an event (not to a registration): invitation imports carry
answers before the guest has accepted, and the acceptance form shows them filled in. A person
has one invitation and one registration per event at most, so the pair names the guest.

Old answers stay readable: a choice keeps its key and its row for ever once answered (the
organizer may rename it, and "removing" it hides it from new answers), and a question with
answers cannot change its kind or be deleted (it can be hidden).
"""

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventsvc.core.types import Timestamps, enum_column
from eventsvc.extensions import db
from eventsvc.registration.enums import QuestionKind
from eventsvc.registration.models import Category

#: the categories a question is shown to; none: shown to every guest
question_categories = Table(
    "question_categories",
    db.metadata,
    Column("question_id", ForeignKey("registration_questions.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class Question(Timestamps, db.Model):
    """One question of an event's registration form."""

    __tablename__ = "registration_questions"
    __table_args__ = (UniqueConstraint("event_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: stable machine name, e.g. "dietary_needs": the API's and spreadsheets' name of the question
    key: Mapped[str] = mapped_column(String(40))
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    label: Mapped[str] = mapped_column(String(300))
    label_local: Mapped[str | None] = mapped_column(String(300))
    help: Mapped[str | None] = mapped_column(String(1000))
    help_local: Mapped[str | None] = mapped_column(String(1000))
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    #: no longer asked; its answers are still shown and exported
    hidden: Mapped[bool] = mapped_column(default=False)

    categories: Mapped[list[Category]] = relationship(secondary=question_categories, order_by=Category.position)
    choices: Mapped[list["Choice"]] = relationship(
        back_populates="question", order_by="Choice.position, Choice.id", cascade="all, delete-orphan")


class Choice(db.Model):
    """One choice of a single or multiple choice question."""

    __tablename__ = "question_choices"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("registration_questions.id", ondelete="CASCADE"))
    #: stable machine name within the question ("c1", "c2"…): what answers and the API hold
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    label_local: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    #: removed by the organizer after guests chose it: no longer offered, still shown on their answers
    hidden: Mapped[bool] = mapped_column(default=False)

    question: Mapped[Question] = relationship(back_populates="choices")


answer_choices = Table(
    "answer_choices",
    db.metadata,
    Column("answer_id", ForeignKey("question_answers.id", ondelete="CASCADE"), primary_key=True),
    Column("choice_id", ForeignKey("question_choices.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Answer(Timestamps, db.Model):
    """A guest's answer to one question: ``value`` for text, number ("12.5"), date ("2023-03-31")
    and checkbox ("yes"); ``choices`` for choice questions."""

    __tablename__ = "question_answers"
    __table_args__ = (UniqueConstraint("person_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("registration_questions.id", ondelete="CASCADE"),
                                             index=True)
    value: Mapped[str | None] = mapped_column(Text)

    question: Mapped[Question] = relationship()
    choices: Mapped[list[Choice]] = relationship(secondary=answer_choices, order_by=Choice.position)
