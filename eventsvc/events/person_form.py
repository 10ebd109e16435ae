"""The organizer's form of one of the event's people: names, position, contact, biography, photo.

The form only parses input; people.service checks the fields and people.photos the photo.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from eventsvc.events.labels import LANGUAGE_LABELS

PERSON_FORM_FIELDS = ("name", "name_local", "position", "position_local", "email", "phone", "language",
                      "bio", "bio_local")


class PersonForm(FlaskForm):
    name = StringField(_l("Name (Latin script)"), validators=[DataRequired(), Length(max=200)],
                       description=_l("As the person writes it, e.g. Xie Zhaoxu."))
    name_local = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=200)],
                             description=_l("Only as the person writes it; leave empty when you do not know it."))
    position = StringField(_l("Position"), validators=[Optional(), Length(max=300)])
    position_local = StringField(_l("Position in Chinese"), validators=[Optional(), Length(max=300)])
    organization_name = StringField(_l("Organization"), validators=[Optional(), Length(max=300)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    language = SelectField(_l("Language of messages"), choices=[("en", LANGUAGE_LABELS["en"]),
                                                                 ("zh", LANGUAGE_LABELS["zh"])], default="en")
    bio = TextAreaField(_l("Biography"), validators=[Optional(), Length(max=5000)])
    bio_local = TextAreaField(_l("Biography in Chinese"), validators=[Optional(), Length(max=5000)],
                              description=_l("Shown on Chinese pages; the English one is shown where this is empty."))
    photo = FileField(_l("Upload a photo"))
    remove_photo = BooleanField(_l("Remove the photo"))

    def service_data(self) -> dict:
        data = {name: self._fields[name].data for name in PERSON_FORM_FIELDS}
        organization = (self.organization_name.data or "").strip()
        if organization:
            data["organization_name"] = organization
        else:
            data["organization_id"] = None
        return data
