"""Organizer forms for events, rooms, sessions, people on stage and speeches.

Forms only parse input; the rules live in service.py and agenda.py.
"""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eventsvc.core.forms import (
    DateField,
    DateTimeLocalField,
    HiddenIdField,
    IntegerField,
    optional_int,
)
from eventsvc.core.input import MAX_POSITION
from eventsvc.events.labels import (
    EVENT_KIND_LABELS,
    KIND_LABELS,
    LANGUAGE_LABELS,
    REGISTRATION_MODE_LABELS,
    ROLE_LABELS,
    SPEECH_STATUS_LABELS,
)

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _choices(labels: dict) -> list[tuple[str, str]]:
    return list(labels.items())


class EventForm(FlaskForm):
    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Lower-case letters, digits and hyphens, e.g. ev100-2024."))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    title_local = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=_choices(EVENT_KIND_LABELS))
    description = TextAreaField(_l("Description"), validators=[Optional()])
    description_local = TextAreaField(_l("Description in Chinese"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    venue_local = StringField(_l("Venue in Chinese"), validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    city_local = StringField(_l("City in Chinese"), validators=[Optional(), Length(max=100)])
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    timezone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(), Length(max=64)],
                           description=_l("IANA name, e.g. Asia/Shanghai or Europe/Berlin."))
    registration_mode = SelectField(lazy_pgettext("registration mode", "Registration"), choices=_choices(REGISTRATION_MODE_LABELS),
                                    default="invitation")
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0)],
                            description=_l("Confirmed guests at most; empty: no limit."))
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=LOCAL_FORMAT,
                                               validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes"), format=LOCAL_FORMAT,
                                                validators=[Optional()],
                                                description=_l("In the event's time zone; empty: no limit."))
    allow_walk_ins = BooleanField(_l("Staff may register walk-ins at the desk"))

    def service_data(self) -> dict:
        """Every field, by the model's names; times are naive, in the event's zone (the service's rule)."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

    def show_event_times(self, event) -> None:
        """The registration window as local times of the event's zone, for the form's inputs."""
        zone = ZoneInfo(event.timezone)
        for name in ("registration_opens_at", "registration_closes_at"):
            value = getattr(event, name)
            self[name].data = value.astimezone(zone).replace(tzinfo=None) if value else None


class CopyEventForm(FlaskForm):
    slug = StringField(_l("Address (slug) of the new edition"), validators=[DataRequired(), Length(max=80)])
    title = StringField(_l("Title of the new edition"), validators=[DataRequired(), Length(max=300)])
    title_local = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=300)])
    start_date = DateField(_l("First day of the new edition"), validators=[InputRequired()])


class RoomForm(FlaskForm):
    name = StringField(_l("Room name"), validators=[DataRequired(), Length(max=200)])
    name_local = StringField(lazy_pgettext("name of a place or thing", "Name in Chinese"),
                             validators=[Optional(), Length(max=200)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=0)])
    position = IntegerField(_l("Column order"), validators=[Optional(), NumberRange(0, MAX_POSITION)])


class SessionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=_choices(KIND_LABELS))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    title_local = StringField(_l("Title in Chinese"), validators=[Optional(), Length(max=300)])
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=optional_int, validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Optional()])
    description_local = TextAreaField(_l("Description in Chinese"), validators=[Optional()])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(min=0)],
                            description=_l("Leave empty when the room or the event limits it."))
    requires_registration = BooleanField(
        _l("Guests book a seat separately"),
        description=_l("Guests choose this session on their invitation page while seats are left, then join "
                       "its waitlist; its door admits only guests with a confirmed seat and the people on stage."))
    is_closed = BooleanField(_l("Closed: only guests invited to this session"))
    refuse_when_full = BooleanField(
        _l("Refuse entry at the door once full"),
        description=_l("Its door answers \"room full\" to guests coming in while the people inside reach the "
                       "room's capacity (the session's seats when it has no room or the room no capacity)."))
    confirm_overlaps = BooleanField(_l("Save even though it clashes with the sessions named above"))

    def set_rooms(self, rooms, locale_name):
        self.room_id.choices = [(None, _l("No room"))] + [(r.id, locale_name(r)) for r in rooms]

    def service_data(self) -> dict:
        return {name: self._fields[name].data for name in (
            "kind", "title", "title_local", "starts_at", "ends_at", "room_id", "description",
            "description_local", "capacity", "requires_registration", "is_closed", "refuse_when_full")}


class ParticipationForm(FlaskForm):
    person_id = HiddenIdField(_l("Person"), validators=[DataRequired(_l("Choose a person from the list, or create one."))])
    role = SelectField(_l("Role"), choices=_choices(ROLE_LABELS))
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(0, MAX_POSITION)])
    confirm_overlaps = BooleanField(_l("Add even though this person is elsewhere at that time"))


class SpeechForm(FlaskForm):
    speaker_id = HiddenIdField(_l("Speaker"), validators=[DataRequired(_l("Choose a person from the list, or create one."))])
    title = StringField(_l("Theme"), validators=[DataRequired(), Length(max=500)])
    title_local = StringField(_l("Theme in Chinese"), validators=[Optional(), Length(max=500)])
    abstract = TextAreaField(_l("Abstract"), validators=[Optional()])
    abstract_local = TextAreaField(_l("Abstract in Chinese"), validators=[Optional()])
    language = SelectField(_l("Language of delivery"), choices=_choices(LANGUAGE_LABELS), default="zh")
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(0, MAX_POSITION)])
    planned_start = DateTimeLocalField(_l("Planned start"), format=LOCAL_FORMAT, validators=[Optional()])
    planned_end = DateTimeLocalField(_l("Planned end"), format=LOCAL_FORMAT, validators=[Optional()])
    status = SelectField(_l("Status"), choices=_choices(SPEECH_STATUS_LABELS), default="planned")
    summary = TextAreaField(_l("Summary (written afterwards)"), validators=[Optional()])
    summary_local = TextAreaField(_l("Summary in Chinese"), validators=[Optional()])
    video_url = URLField(_l("Video link"), validators=[Optional(), Length(max=500)])
    slides = FileField(_l("Slides (PDF)"))
    confirm_overlaps = BooleanField(_l("Add even though this speaker is elsewhere at that time"))

    def service_data(self) -> dict:
        data = {name: self._fields[name].data for name in (
            "title", "title_local", "abstract", "abstract_local", "language", "position", "planned_start",
            "planned_end", "status", "summary", "summary_local", "video_url")}
        data["speaker_id"] = self.speaker_id.data
        return data
