"""One translated label for every member of every enum that people see.

Each capability names its members once, in its ``enums.py``, with ``@labelled({...})``;
pages, forms and exports ask ``label(member)`` (a Jinja global too) and never show
``.value``. The registry also lets a test walk every labelled enum.
"""

import enum
from collections.abc import Callable, Mapping

_LABELS: dict[type[enum.Enum], dict[enum.Enum, object]] = {}


def labelled(names: Mapping[str, object]) -> Callable[[type[enum.Enum]], type[enum.Enum]]:
    """Register ``names`` (value → lazy translated text) as the labels of the decorated enum."""
    def register(cls: type[enum.Enum]) -> type[enum.Enum]:
        values = {m.value for m in cls}
        if values != set(names):
            raise ValueError(f"{cls.__name__}: labels for {sorted(values ^ set(names))} do not match its members")
        if any(known.__name__ == cls.__name__ for known in _LABELS if known is not cls):
            raise ValueError(f"two labelled enums are called {cls.__name__}")
        _LABELS[cls] = {cls(value): text for value, text in names.items()}
        return cls
    return register


def label(member: enum.Enum | None) -> str:
    """The member's label in the current language ("" for None)."""
    if member is None:
        return ""
    return str(_LABELS[type(member)][member])


def choices(cls: type[enum.Enum]) -> list[tuple[str, object]]:
    """(value, lazy label) pairs in declaration order, for a form's select."""
    return [(member.value, text) for member, text in _LABELS[cls].items()]


def members(name: str) -> list[enum.Enum]:
    """The members of the labelled enum called ``name``, for a template's filter list."""
    return next(list(cls) for cls in _LABELS if cls.__name__ == name)


def labels_of(name: str) -> dict[str, str]:
    """value → label in the current language, for a page's script (JSON)."""
    return {member.value: label(member) for member in members(name)}


def labelled_enums() -> list[type[enum.Enum]]:
    return list(_LABELS)
