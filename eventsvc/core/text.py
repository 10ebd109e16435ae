"""One line of text as people type it: names, titles, subjects, every mail header value.

A carriage return or line feed in a name ends up in an e-mail header, where it either breaks
the message or starts a header of its own (a ``Bcc:`` the guest chose). So names are cleaned
when they come in (people.identity, accounts) and again where mail headers are built.
"""

import re

#: C0 and C1 controls (NUL, CR, LF, TAB, ESC, DEL, NEL...) and the Unicode line and
#: paragraph separators: none of them belongs in one line of text
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_line(value: str | None) -> str | None:
    """The value with every run of control characters turned into one space, trimmed;
    ``None`` stays ``None``."""
    if value is None:
        return None
    return _CONTROLS.sub(" ", str(value)).strip()


def has_controls(value: str | None) -> bool:
    """Would ``clean_line`` change more than the surrounding spaces?"""
    return bool(value) and _CONTROLS.search(value) is not None
