"""The input layer: what any request may carry before a page, API route or service reads it.

The rules live here once; the API's fields (``core.fields``), the pages' form helpers
(``core.forms``) and the request guard below all ask them:

- whole numbers fit a database INTEGER column (``INT_MIN``…``INT_MAX``); an id in a path
  beyond that cannot exist, so the ``int`` URL converter does not match it (404);
- dates lie between ``MIN_YEAR`` and ``MAX_YEAR``, so converting one to UTC cannot overflow;
- time zones are IANA names of a zone (``Asia/Shanghai``), not of a folder (``America``);
- text holds no NUL byte and no lone surrogate, which no database column can store;
- a JSON body parses, and nests at most ``MAX_JSON_DEPTH`` deep.

Other control characters (a CR/LF in a name…) are cleaned where the text is used, not refused.
"""

import json
import re
import zoneinfo
from functools import lru_cache

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

#: what a PostgreSQL INTEGER column holds (every id, count and position here is one)
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
#: the largest order of a thing among its siblings (a speech in its session…): the next one
#: appended, at the largest plus one, still fits
MAX_POSITION = 100_000
#: the years a date or time may fall in
MIN_YEAR = 1900
MAX_YEAR = 2200
#: how deep a JSON body may nest arrays and objects
MAX_JSON_DEPTH = 32

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")


def has_unstorable_characters(text: str) -> bool:
    """A NUL byte or a lone surrogate: text no database column can store."""
    return bool(_UNSTORABLE.search(text))


def unstorable_text_message() -> str:
    return _("Contains a character that cannot be stored (a NUL byte).")


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def year_range_message() -> str:
    return _("Give a date between the years %(first)s and %(last)s.", first=MIN_YEAR, last=MAX_YEAR)


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_timezone(name: str | None) -> bool:
    """An IANA zone name this system knows (``ZoneInfo("America")`` would open a folder)."""
    return bool(name) and (name in _zone_names() or name == "UTC")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than ``limit``.

    Counting the brackets settles almost every body at C speed; only one with more brackets
    than the limit has its strings removed and its depth measured.
    """
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = deepest = 0
    for char in _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body)):
        depth += 1 if char in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return True
    return False


def bounded_int_or_none(value, *, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """A whole number in ``minimum``…``maximum`` read from text (a query parameter), else None."""
    text = str(value).strip() if value is not None else ""
    if not text.lstrip("-").isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, *, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """A query parameter of a page's filter as a bounded whole number; None when absent or not one."""
    return bounded_int_or_none(request.args.get(name), minimum=minimum, maximum=maximum)


class BoundedIntConverter(IntegerConverter):
    """Flask's ``int`` URL converter, matching only numbers a database INTEGER holds.

    Installed app-wide as ``int``, so every route's ``<int:…_id>`` beyond ``INT_MAX`` is a 404.
    """

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INT_MAX,
                 signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_unreadable_input():
    """Before every request: 400 for a NUL byte in the query or a form field, or unreadable JSON.

    The API's fields and the forms would refuse them too, field by field; this catches what no
    field reads (filters read straight from ``request.args``, a page's hidden inputs).
    """
    if has_unstorable_characters(request.path):
        raise BadRequest(unstorable_text_message())
    refused = {}
    for source in (request.args, request.form if request.mimetype in _FORM_TYPES else None):
        for key, values in source.lists() if source else ():
            if has_unstorable_characters(key) or any(has_unstorable_characters(v) for v in values):
                refused[_UNSTORABLE.sub("?", key)] = [unstorable_text_message()]
    if refused:
        error = BadRequest(unstorable_text_message())
        error.data = {"errors": refused}
        raise error
    if request.is_json and (body := request.get_data(cache=True)):
        if json_depth_exceeds(body):
            raise BadRequest(_("The JSON body nests deeper than %(limit)s levels.", limit=MAX_JSON_DEPTH))
        try:  # parsers catch only JSONDecodeError: a number of 5,000 digits raises a plain ValueError
            json.loads(body)
        except (ValueError, RecursionError):
            raise BadRequest(_("The body is not valid JSON.")) from None


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter: before any route is added, which binds it."""
    app.url_map.converters["int"] = BoundedIntConverter


def guard_requests(app: Flask) -> None:
    """Refuse unreadable input before any view: after the API's door, so that an anonymous
    caller is told to authenticate (401) before anything about their input."""
    app.before_request(refuse_unreadable_input)
