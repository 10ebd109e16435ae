"""The organizer's question form (CSRF comes with FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eventsvc.core.forms import bounded_int
from eventsvc.core.labels import choices as label_choices
from eventsvc.registration.enums import QuestionKind
from eventsvc.registration.forms import CheckboxList
from eventsvc.registration.questions.models import Question
from eventsvc.registration.questions.service import ChoiceInput, QuestionInput

KIND_LABELS = {QuestionKind(value): text for value, text in label_choices(QuestionKind)}


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    label_local = StringField(_l("Question in Chinese"), validators=[Optional(), Length(max=300)])
    help = TextAreaField(_l("Help text"), validators=[Optional(), Length(max=1000)])
    help_local = TextAreaField(_l("Help text in Chinese"), validators=[Optional(), Length(max=1000)])
    required = BooleanField(_l("An answer is required"))
    categories = CheckboxList(_l("Ask only these categories (none ticked: every guest)"), coerce=bounded_int,
                              validate_choice=False)
    new_choices = TextAreaField(
        _l("Add choices"), validators=[Optional(), Length(max=20000)],
        description=_l("For choice questions: one choice a line, English | 中文, e.g. Vegetarian | 素食"))
    key = StringField(_l("Key (spreadsheet column and API name)"), validators=[Optional(), Length(max=40)],
                      description=_l("Made from the label when empty; keep it once spreadsheets use it."))
    hidden = BooleanField(_l("Hidden: no longer asked (answers stay)"))

    def to_input(self, question: Question | None, formdata) -> QuestionInput:
        """The form's question; the existing choices come as rows of the editor (kept, renamed, removed)."""
        choices = []
        for choice in (question.choices if question else []):
            if choice.hidden or formdata.get(f"choice-{choice.key}-remove"):
                continue
            choices.append(ChoiceInput(formdata.get(f"choice-{choice.key}-label", choice.label),
                                       formdata.get(f"choice-{choice.key}-label_local", choice.label_local),
                                       key=choice.key))
        for line in (self.new_choices.data or "").splitlines():
            english, _bar, chinese = line.replace("｜", "|").partition("|")
            if english.strip() or chinese.strip():
                choices.append(ChoiceInput(english.strip(), chinese.strip() or None))
        return QuestionInput(kind=self.kind.data, label=self.label.data, label_local=self.label_local.data,
                             help=self.help.data, help_local=self.help_local.data, required=self.required.data,
                             key=self.key.data, category_ids=self.categories.data or [], choices=choices,
                             hidden=self.hidden.data)
