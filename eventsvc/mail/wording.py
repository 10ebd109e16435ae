"""The guests' e-mails as words an organizer may rewrite: each kind, its placeholders, today's wording.

An organizer's text is plain text with ``{placeholder}`` fields from the kind's small list.
It is checked when saved (``check``: an unknown placeholder, a format spec, an attribute or
index, a lone brace are refused by name) and filled by ``fill``, which never calls
``str.format``: it walks ``string.Formatter().parse`` and puts each value in as a string,
so a template can reach nothing but the values it is given. The HTML part is the filled text,
escaped (``to_html``): neither the organizer's words nor a guest's name can add markup.

Today's wording (``default_wording``) is built from the same translated sentences the fixed
templates used, with placeholders in place of the values, so an event that changed nothing
sends what it always sent, in English and in Chinese.
"""

import re
import string
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from eventsvc.core.errors import ServiceError

#: placeholders every guest message knows
COMMON = ("guest_name", "event_title", "event_dates", "venue", "portal_link")

#: what each placeholder stands for (shown beside the editor)
PLACEHOLDER_HELP = {
    "guest_name": _l("the guest's name, in the message's language when known"),
    "event_title": _l("the event's title"),
    "event_dates": _l("the event's dates"),
    "venue": _l("the venue (or the city)"),
    "portal_link": _l("the guest's personal link to answer, register and see their agenda"),
    "personal_message": _l("the invitation's personal message (empty when none)"),
    "session_title": _l("the session whose seat became free"),
    "event_start": _l("when the event begins, in its time zone"),
    "badge_link": _l("the guest's badge (PDF)"),
    "agenda": _l("the guest's sessions on the event's first day"),
    "certificate_link": _l("the guest's certificate (PDF)"),
}


@dataclass(frozen=True)
class MailKind:
    key: str
    label: object  # a lazy string
    extra: tuple[str, ...] = ()
    #: the placeholder whose link becomes the HTML part's button, and the button's text
    button_link: str = "portal_link"
    button_label: object = field(default=_l("Open my registration"))

    @property
    def placeholders(self) -> tuple[str, ...]:
        return COMMON + self.extra


KINDS: dict[str, MailKind] = {k.key: k for k in (
    MailKind("invitation", _l("Invitation"), ("personal_message",), button_label=_l("Accept or decline")),
    MailKind("invitation_reminder", _l("Reminder to guests who have not answered"), ("personal_message",),
             button_label=_l("Accept or decline")),
    MailKind("registration_confirmed", _l("Registration confirmed")),
    MailKind("registration_pending", _l("Registration awaiting approval")),
    MailKind("registration_waitlisted", _l("On the waitlist")),
    MailKind("registration_promoted", _l("Promoted from the waitlist")),
    MailKind("registration_rejected", _l("Registration not accepted")),
    MailKind("registration_cancelled", _l("Registration cancelled")),
    MailKind("seat_promoted", _l("Seat in a session confirmed"), ("session_title",)),
    MailKind("badge_ready", _l("Badge ready"), ("badge_link",), button_link="badge_link",
             button_label=_l("Open my badge")),
    MailKind("event_reminder", _l("Reminder before the event"), ("event_start", "badge_link", "agenda")),
    MailKind("certificate_available", _l("Certificate available"), ("certificate_link",),
             button_link="certificate_link", button_label=_l("Open my certificate")),
)}


def kind_of(key: str) -> MailKind:
    try:
        return KINDS[key]
    except KeyError:
        raise ServiceError("unknown_kind", _("There is no e-mail of this kind."), status=404) from None


# --- today's wording -------------------------------------------------------------------------

def _greeting() -> str:
    return _("Dear %(name)s,", name="{guest_name}")


def _portal() -> str:
    return _("Your registration, seminars and personal agenda:") + "\n{portal_link}"


def _invitation_body() -> str:
    return "\n\n".join((
        _greeting(),
        _("You are invited to %(event)s, %(dates)s, %(venue)s.", event="{event_title}", dates="{event_dates}",
          venue="{venue}"),
        "{personal_message}",
        _("Please answer with your personal link (no password needed):") + "\n{portal_link}",
        _("This link is personal: please do not forward this e-mail.")))


def _status_body(sentence: str) -> str:
    return "\n\n".join((_greeting(), sentence, _portal()))


def _wording(kind: str) -> tuple[str, str]:
    event = "{event_title}"
    if kind == "invitation":
        return _("Invitation: %(event)s", event=event), _invitation_body()
    if kind == "invitation_reminder":
        return _("Reminder: your invitation to %(event)s", event=event), _invitation_body()
    if kind == "registration_confirmed":
        return (_("Confirmed: %(event)s", event=event),
                _status_body(_("Your place at %(event)s is confirmed.", event=event)))
    if kind == "registration_promoted":
        return (_("Confirmed: %(event)s", event=event), _status_body(_(
            "Good news: a place has become free and your registration for %(event)s is now confirmed.",
            event=event)))
    if kind == "registration_waitlisted":
        return (_("Waitlist: %(event)s", event=event), _status_body(_(
            "%(event)s is full at the moment: you are on the waitlist. We will write to you as soon as a "
            "place is free.", event=event)))
    if kind == "registration_pending":
        return (_("Registration received: %(event)s", event=event), _status_body(_(
            "We have received your registration for %(event)s. The organizer will confirm it shortly.",
            event=event)))
    if kind == "registration_rejected":
        return (_("Your registration: %(event)s", event=event), _status_body(_(
            "We are sorry: your registration for %(event)s could not be accepted.", event=event)))
    if kind == "registration_cancelled":
        return (_("Your registration: %(event)s", event=event), _status_body(_(
            "Your registration for %(event)s has been cancelled by the organizer.", event=event)))
    if kind == "seat_promoted":
        return (_("Seat confirmed: %(session)s", session="{session_title}"), _status_body(_(
            "A seat has become free: your place in “%(session)s” is now confirmed.", session="{session_title}")))
    if kind == "badge_ready":
        return (_("Your badge: %(event)s", event=event), "\n\n".join((
            _greeting(),
            _("Your badge for %(event)s is ready. Show it at the entrance, on your phone or printed:", event=event)
            + "\n{badge_link}", _portal())))
    if kind == "event_reminder":
        return (_("Reminder: %(event)s", event=event), "\n\n".join((
            _greeting(),
            _("This is a reminder that %(event)s begins on %(start)s at %(venue)s. We look forward to seeing you.",
              event=event, start="{event_start}", venue="{venue}"),
            _("Your badge:") + "\n{badge_link}",
            _("Your sessions on the first day:") + "\n{agenda}",
            _portal())))
    if kind == "certificate_available":
        return (_("Your certificate: %(event)s", event=event), "\n\n".join((
            _greeting(),
            _("Your certificate of participation in %(event)s is ready:", event=event) + "\n{certificate_link}")))
    raise ServiceError("unknown_kind", _("There is no e-mail of this kind."), status=404)


def default_wording(kind: str, language: str) -> tuple[str, str]:
    """(subject, body) as the product wrote them, with placeholders, in ``language``; built once
    per kind and language by each application (they depend on the translations only)."""
    kept = current_app.extensions.setdefault("eventsvc_default_wordings", {})
    if (kind, language) not in kept:
        with force_locale(language):
            kept[kind, language] = _wording(kind)
    return kept[kind, language]


# --- checking and filling ----------------------------------------------------------------------

_FORMATTER = string.Formatter()


def _fields(text: str, part: str):
    """The template's pieces (literal, placeholder name or None); refuses what is not a plain placeholder."""
    try:
        pieces = list(_FORMATTER.parse(text))
    except ValueError:
        raise ServiceError("broken_braces", _(
            "The %(part)s has a brace that opens or closes nothing: write placeholders as {guest_name}, "
            "and a literal brace as {{ or }}.", part=_part_name(part)), field=part) from None
    for literal, name, spec, conversion in pieces:
        if name is None:
            yield literal, None
            continue
        if spec or conversion:
            raise ServiceError("bad_placeholder", _(
                "The placeholder {%(name)s} in the %(part)s has a format or conversion: write it plainly.",
                name=name, part=_part_name(part)), field=part, details={"placeholder": name})
        yield literal, name


def _part_name(part: str) -> str:
    return _("subject") if part == "subject" else _("body")


def check(kind: str, subject: str, body: str) -> None:
    """Refuse a template that uses a placeholder the kind does not have (named), or broken braces."""
    allowed = kind_of(kind).placeholders
    for part, text in (("subject", subject), ("body", body)):
        for _literal, name in _fields(text, part):
            if name is not None and name not in allowed:
                raise ServiceError("unknown_placeholder", _(
                    "Unknown placeholder {%(name)s} in the %(part)s. This e-mail knows: %(known)s.",
                    name=name, part=_part_name(part), known=", ".join(f"{{{p}}}" for p in allowed)),
                    field=part, details={"placeholder": name})


def fill(text: str, values: dict[str, str]) -> str:
    """The template with each placeholder replaced by its value (a missing one by nothing)."""
    return "".join(literal + (str(values.get(name) or "") if name is not None else "")
                   for literal, name in _fields(text, "body"))


def tidy(text: str) -> str:
    """No trailing spaces, at most one empty line in a row (an empty placeholder leaves none)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


_URL = re.compile(r"https?://\S+")


def to_html(body: str, button_link: str | None, button_label: str) -> Markup:
    """The filled text as HTML paragraphs, every character escaped; the main link becomes a button."""
    paragraphs = []
    for paragraph in body.strip().split("\n\n"):
        lines = []
        for line in paragraph.split("\n"):
            if button_link and line.strip() == button_link:
                lines.append(Markup(
                    '<a href="{0}" style="background:#0b6e4f;color:#fff;padding:12px 20px;border-radius:6px;'
                    'text-decoration:none;display:inline-block;margin:8px 0">{1}</a>'
                    '<br><span style="font-size:12px;color:#718096;word-break:break-all">{0}</span>'
                ).format(button_link, button_label))
            else:
                lines.append(_link_urls(line))
        paragraphs.append(Markup("<p>") + Markup("<br>").join(lines) + Markup("</p>"))
    return Markup("\n").join(paragraphs)


def _link_urls(line: str) -> Markup:
    out, last = Markup(""), 0
    for match in _URL.finditer(line):
        out += escape(line[last:match.start()]) + Markup('<a href="{0}">{0}</a>').format(match.group())
        last = match.end()
    return out + escape(line[last:])
