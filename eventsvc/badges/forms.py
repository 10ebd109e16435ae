from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as pgettext_lazy
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from eventsvc.badges.layout import CARD_CR80, LABEL_4X3, LABEL_100X75, SHEET, SINGLE
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


#: the label layouts a station prints on, as staff read them
STATION_LAYOUT_CHOICES = [
    (LABEL_100X75, _l("Label 100 × 75 mm")),
    (LABEL_4X3, _l("Label 4 × 3 in")),
    (CARD_CR80, _l("Card CR80 (85.6 × 54 mm)")),
    (SINGLE, _l("A6 (105 × 148 mm)")),
]


class PrintStationForm(FlaskForm):
    name = StringField(pgettext_lazy("print station", "Name"), validators=[InputRequired(), Length(max=80)])
    layout = SelectField(_l("Label layout"), choices=STATION_LAYOUT_CHOICES, default=LABEL_100X75)
    printer_name = StringField(_l("Printer (optional)"), validators=[Optional(), Length(max=120)],
                               description=_l("The printer's name or its CUPS queue, so that staff find it."))
    print_on_server = BooleanField(_l("Print from the server to this CUPS queue"), description=_l(
        "For a printer on the server's network: the server sends each label with lp, "
        "instead of the station's browser printing it."))
    notes = TextAreaField(_l("Notes (optional)"), validators=[Optional(), Length(max=500)])
