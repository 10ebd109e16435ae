"""Forms of the registration pages (CSRF comes with FlaskForm)."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from eventsvc.core.forms import DateTimeLocalField, IntegerField, bounded_int
from eventsvc.people.identity import PersonDetails

LANGUAGE_CHOICES = [("en", "English"), ("zh", "简体中文")]


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DetailsForm(FlaskForm):
    name = StringField(_l("Name (Latin script)"), validators=[DataRequired(), Length(max=200)])
    name_local = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=200)])
    organization = StringField(_l("Organization"), validators=[Optional(), Length(max=300)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    language = SelectField(_l("Language for messages"), choices=LANGUAGE_CHOICES, default="en")

    def details(self, email: str) -> PersonDetails:
        return PersonDetails(name=self.name.data or "", email=email, name_local=self.name_local.data,
                            organization=self.organization.data, position=self.position.data,
                            phone=self.phone.data, language=self.language.data)


class SelfRegistrationForm(DetailsForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    sessions = CheckboxList(_l("Seminars"), coerce=bounded_int, validate_choice=False)


class InvitationForm(DetailsForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    category = SelectField(_l("Category"), validators=[Optional()])
    sessions = CheckboxList(_l("Invited to these sessions"), coerce=bounded_int, validate_choice=False)
    message = TextAreaField(_l("Personal message"), validators=[Optional(), Length(max=4000)],
                            description=_l("Placeholders: {name} {event} {dates} {venue} {organization} {category}"))
    send_now = BooleanField(_l("Send the invitation e-mail now"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.csv or .xlsx)"), validators=[FileRequired()])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


class CategoryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Optional(), Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}$")])
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=100)])
    label_local = StringField(_l("Label in Chinese"), validators=[Optional(), Length(max=100)])
    color = StringField(_l("Badge colour"), validators=[DataRequired(), Regexp(r"^#[0-9a-fA-F]{6}$")],
                        default="#4a5568")
    is_vip = BooleanField(_l("VIP (shown first on arrivals)"))
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0, max=1000)])


class SettingsForm(FlaskForm):
    registration_mode = SelectField(lazy_pgettext("registration mode", "Registration"), choices=[
        ("invitation", _l("Invitation only")), ("approval", _l("Open, approval required")),
        ("open", _l("Open"))])
    capacity = IntegerField(_l("Capacity (empty: no limit)"), validators=[Optional(), NumberRange(min=0)])
    opens_at = DateTimeLocalField(_l("Registration opens (event time)"), validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField(_l("Registration closes (event time)"), validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M")
    allow_walk_ins = BooleanField(_l("Staff may register walk-ins at the desk"))

    def service_data(self) -> dict:
        """The event settings this page edits, for events.service.update_event (times in the event's zone)."""
        return {"registration_mode": self.registration_mode.data, "capacity": self.capacity.data,
                "registration_opens_at": self.opens_at.data, "registration_closes_at": self.closes_at.data,
                "allow_walk_ins": self.allow_walk_ins.data}
