"""Forms of the organizer's award pages; the rules themselves live in service.py."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from eventsvc.awards.enums import AwardProgramKind
from eventsvc.core.forms import DateField, IntegerField, bounded_int, optional_int
from eventsvc.core.labels import choices as label_choices


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as select options."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class PersonPickerField(HiddenField):
    """The person id a people picker (templates/events/_people_picker.html) leaves in its hidden input."""

    def process_formdata(self, valuelist):
        try:
            self.data = optional_int(valuelist[0].strip()) if valuelist else None
        except ValueError:
            self.data = None
            raise ValueError(self.gettext("Choose a person from the list.")) from None


class ProgramForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(label_choices(AwardProgramKind)))
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=300)])
    name_local = StringField(lazy_pgettext("name of a place or thing", "Name (Chinese)"),
                             validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    issuer_id = SelectField(_l("Issuing organization"), coerce=optional_int, validate_choice=False)
    number_prefix = StringField(
        _l("Number prefix"), validators=[DataRequired(), Length(max=12)],
        description=_l("Certificate numbers read PREFIX-YEAR-0001; numbers are never reused."))
    number_digits = IntegerField(_l("Digits of the sequence"), default=4,
                                 validators=[DataRequired(), NumberRange(1, 8)])
    validity_months = IntegerField(_l("Validity in months"), validators=[Optional(), NumberRange(1, 1200)],
                                   description=_l("Empty: the award does not expire."))


class AwardForm(FlaskForm):
    recipient_organization_id = SelectField(_l("Recipient organization"), coerce=optional_int,
                                            validate_choice=False)
    recipient_person_id = PersonPickerField(_l("Recipient person"))
    citation = TextAreaField(_l("Citation (English)"), validators=[Optional(), Length(max=2000)])
    citation_local = TextAreaField(_l("Citation (Chinese)"), validators=[Optional(), Length(max=2000)])
    agenda_item_id = SelectField(_l("Ceremony session"), coerce=optional_int, validate_choice=False)
    presenter_id = SelectField(_l("Presenter"), coerce=optional_int, validate_choice=False,
                               description=_l("Someone with a role in the ceremony session."))
    position = IntegerField(_l("Order of presentation"), validators=[Optional(), NumberRange(0, 100000)],
                            description=_l("Empty: after the last one."))
    issue_date = DateField(_l("Issue date"), validators=[DataRequired()])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("For the organizers: verification shows only the date of revocation."))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])
    agenda_item_id = SelectField(_l("Ceremony session"), coerce=optional_int, validate_choice=False)
    issue_date = DateField(_l("Issue date"), validators=[DataRequired()])


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=60)])


class RepresentativeForm(FlaskForm):
    """The organizer names a guest of the event as a representative of the award's organization."""

    registration_id = SelectField(_l("Guest"), coerce=bounded_int)
