from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from eventsvc.badges.layout import SHEET, SINGLE
from eventsvc.badges.service import ALL, CHANGED, NOT_PRINTED
from eventsvc.core.forms import bounded_int


class PrintBadgesForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=bounded_int, default=0)
    which = RadioField(_l("Badges"), default=ALL, validators=[InputRequired()], choices=[
        (ALL, _l("All confirmed guests")),
        (NOT_PRINTED, _l("Not yet printed")),
        (CHANGED, _l("Changed since last printed")),
    ])
    layout = RadioField(_l("Paper"), default=SHEET, validators=[InputRequired()], choices=[
        (SHEET, _l("A4, four badges a sheet, with cut marks")),
        (SINGLE, _l("A6, one badge a page")),
    ])

    def set_categories(self, categories) -> None:
        self.category.choices = [(0, _l("All categories"))] + [(c.id, c.label) for c in categories]


class ReissueBadgeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=300)])
