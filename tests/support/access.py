"""The access matrix's machinery: the nine actors, what each kind of route answers them, one request per cell.

The table (every route of ``app.url_map`` → its access class) is in
tests/foundation/test_access_matrix.py; the world it asks about is tests/support/access_world.py.

An answer is ``ALLOWED`` (2xx or 3xx, but not a redirect to the login page; for a write, anything
but 401, 403, 404, a login redirect or a 5xx: the matrix sends no valid input, so a 4xx about
the input is fine), ``LOGIN`` (a page refusing someone who is not signed in: 302 to /login), or
an exact refusal status (401, 403, 404). A 5xx is wrong everywhere.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from urllib.parse import urlencode, urlsplit

from flask import Flask

from tests.support.access_world import PASSWORD, World, email_of
from tests.support.web import csrf_token, login

ACTORS = ("anonymous", "guest_a", "guest_b", "staff_a", "organizer_a", "staff_b", "organizer_b", "creator",
          "admin")
#: browsers without an account: guests act only through their portal link
SIGNED_OUT = ("anonymous", "guest_a", "guest_b")
SIGNED_IN = tuple(a for a in ACTORS if a not in SIGNED_OUT)
GUESTS = ("guest_a", "guest_b")
TEAM_OF_A = ("staff_a", "organizer_a", "admin")
ORGANIZERS_OF_A = ("organizer_a", "admin")
#: who works at the draft (an event of organizer A's)
TEAM_OF_DRAFT = ("organizer_a", "admin")
EVENT_CREATORS = ("creator", "admin")

ALLOWED = "allowed"
LOGIN = "login"
SKIPPED_ENDPOINTS = {"static"}  # Flask's own files: no authorization to test
METHODS_SKIPPED = {"HEAD", "OPTIONS"}  # answered by Flask for every rule


@dataclass(frozen=True)
class Access:
    """An access class: the expected answer for each actor, and how to reach a route of it.

    ``params`` and ``query`` name world values (or give literal values) for a route's path
    parameters and query string; ``at()`` makes a copy with them, so a table entry stays one line.
    ``draft`` is the class's answers when the route's event is the draft instead of A.
    """

    name: str
    answers: Mapping[str, object]
    params: Mapping[str, object] = field(default_factory=dict)
    query: Mapping[str, object] = field(default_factory=dict)
    draft: "Access | None" = None

    def at(self, query: Mapping | None = None, **params) -> "Access":
        return replace(self, params=MappingProxyType({**self.params, **params}),
                       query=MappingProxyType({**self.query, **(query or {})}))

    def expected(self, actor: str):
        return self.answers[actor]


def access(name: str, allowed: tuple, *, signed_out=None, others=None, draft: Access | None = None,
           **special) -> Access:
    """``allowed`` actors get in; the rest get ``signed_out`` or ``others`` (actor=answer overrides)."""
    answers = {actor: ALLOWED if actor in allowed else signed_out if actor in SIGNED_OUT else others
               for actor in ACTORS}
    answers.update(special)
    assert None not in answers.values(), f"{name}: an actor without an answer"
    return Access(name, MappingProxyType(answers), draft=draft)


# --- the classes -----------------------------------------------------------------------------

#: pages and documents anyone may open
PUBLIC = access("public", ACTORS)
#: operations' routes (/metrics): the host's loopback and trusted networks, or the metrics token; the
#: matrix's actors all ask from loopback
OPS_FROM_LOOPBACK = access("operations, from the host itself", ACTORS)
#: the public pages of an event: anyone while it is published, only its team while it is a draft
PUBLISHED = access("public, of a published event", ACTORS,
                   draft=access("public, of a draft", TEAM_OF_DRAFT, signed_out=404, others=404))
SIGNED_IN_PAGE = access("signed-in", SIGNED_IN, signed_out=LOGIN)
EVENT_CREATOR = access("event creator", EVENT_CREATORS, signed_out=LOGIN, others=403)
STAFF = access("staff of the event", TEAM_OF_A, signed_out=LOGIN, others=403)
ORGANIZER = access("organizer of the event", ORGANIZERS_OF_A, signed_out=LOGIN, others=403)
ADMIN = access("administrator", ("admin",), signed_out=LOGIN, others=403)
#: a new event made from this one: organizers of the event who may also create events
ORGANIZER_AND_CREATOR = access("organizer of the event who may create events", ("admin",), signed_out=LOGIN,
                               others=403)
#: the guest portal: a guest's own link opens it (guest B's opens B's); anyone else has none
GUEST_LINK = access("guest, by their own link", GUESTS, signed_out=404, others=404)
#: a guest's link with an object of event A in the path: only guest A's opens it
GUEST_LINK_OF_A = access("guest of the event, by their link", ("guest_a",), signed_out=404, others=404)
#: a one-time link the world holds none of (e.g. setting a password): 404 to all, with .at(token="unknown_link")
UNKNOWN_ONE_TIME_LINK = access("by a one-time link nobody here holds", (), signed_out=404, others=404)

# The API answers 401 to a caller without an account, 403 to one without the role, and 404 to
# outsiders where the data is hidden (award lists; a draft).
API_PUBLIC = access("API, public", ACTORS)
API_SIGNED_IN = access("API, any account", SIGNED_IN, signed_out=401)
API_PUBLISHED = access("API, of a published event", SIGNED_IN, signed_out=401,
                       draft=access("API, of a draft", TEAM_OF_DRAFT, signed_out=401, others=404))
API_STAFF = access("API, staff of the event", TEAM_OF_A, signed_out=401, others=403)
API_ORGANIZER = access("API, organizer of the event", ORGANIZERS_OF_A, signed_out=401, others=403)
API_STAFF_HIDDEN = access("API, staff of the event, hidden from outsiders", TEAM_OF_A, signed_out=401,
                          others=404)
API_ORGANIZER_HIDDEN = access("API, organizer of the event, hidden from outsiders", ORGANIZERS_OF_A,
                              signed_out=401, others=404, staff_a=403)
API_ADMIN = access("API, administrator", ("admin",), signed_out=401, others=403)
#: creating an event: administrators and event creators (events/permissions.py can_create_events)
API_EVENT_CREATOR = access("API, event creator", EVENT_CREATORS, signed_out=401, others=403)


# --- the cells --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One method of one route, with its access class."""

    method: str
    rule: str
    endpoint: str
    access: Access

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def routes_of(app: Flask):
    """Every (method, rule) the app answers, but Flask's static files and automatic HEAD/OPTIONS."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted(rule.methods - METHODS_SKIPPED):
            yield method, rule


def cells_of(app: Flask, table: Mapping) -> tuple[list[Cell], list[str], list[str]]:
    """The cells, the routes without an entry in ``table``, and entries naming no route."""
    cells, missing, methods = [], [], {}
    for method, rule in routes_of(app):
        methods.setdefault(rule.rule, set()).add(method)
        entry = table.get(rule.rule)
        found = entry.get(method) if isinstance(entry, Mapping) else entry
        if found is None:
            missing.append(f"{method} {rule.rule}")
        else:
            cells.append(Cell(method, rule.rule, rule.endpoint, found))
    stale = [rule for rule in table if rule not in methods] + [
        f"{method} {rule}" for rule, entry in table.items() if isinstance(entry, Mapping) and rule in methods
        for method in entry if method not in methods[rule]]
    return cells, missing, stale


def in_asking_order(cells: list[Cell]) -> list[Cell]:
    """Reads first, then writes; signing out last, so the actor stays who they are."""
    return sorted(cells, key=lambda c: (c.is_write, c.endpoint == "accounts.logout"))


# --- asking -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    location: str = ""

    @property
    def to_login(self) -> bool:
        return self.status in (301, 302, 303, 307) and urlsplit(self.location).path == "/login"

    def __str__(self) -> str:
        return f"{self.status} → {self.location}" if self.location else str(self.status)


def wrong_answer(expected, answer: Answer, cell: Cell) -> str | None:
    """None when ``answer`` is what the table expects, else what was expected."""
    if answer.status >= 500:
        return "never a 5xx"
    if expected == ALLOWED:
        if answer.to_login or answer.status in (401, 403, 404):
            return "allowed"
        if not cell.is_write and not 200 <= answer.status < 400:
            return "allowed (2xx/3xx)"
        if cell.is_write and not cell.is_api and answer.status == 400:
            return "allowed (a 400 on a page write is a CSRF refusal: the matrix's fault)"
        return None
    if expected == LOGIN:
        return None if answer.to_login else "302 to /login"
    return None if answer.status == expected else str(expected)


class Browser:
    """One actor's test client: signed in (or holding only a guest link), with a CSRF token for
    page writes and a bearer token for the API."""

    def __init__(self, app: Flask, world: World, actor: str):
        self.world, self.actor = world, actor
        self.client = app.test_client()
        # each actor from an address of their own: per-client limits (logins, lookups, the public
        # form) then count one actor's requests, as they would in the field
        self.client.environ_base["REMOTE_ADDR"] = f"127.0.0.{10 + ACTORS.index(actor)}"
        if actor in SIGNED_IN:
            assert login(self.client, email_of(actor), PASSWORD).status_code == 302, f"{actor} cannot sign in"
        if actor in world.links:  # the guest opened their link before: whatever it leaves behind is there
            assert self.client.get(f"/g/{world.links[actor]}").status_code == 200
        self.csrf = csrf_token(self.client, "/login")
        self.bearer = world.bearer.get(actor)

    def url(self, cell: Cell, *, draft: bool = False, slug: str | None = None) -> str:
        """The cell's URL with objects of event A (of the draft, with ``draft``); ``slug`` puts
        another event in front of them."""
        values = {}
        for name in _arguments(self.client.application, cell):
            values[name] = slug if name == "slug" and slug else self._value(cell, name, draft)
        adapter = self.client.application.url_map.bind("localhost")
        path = adapter.build(cell.endpoint, values, method=cell.method)
        query = {key: self.world.values.get(value, value) for key, value in cell.access.query.items()}
        return path + ("?" + urlencode(query) if query else "")

    def _value(self, cell: Cell, name: str, draft: bool):
        key = cell.access.params.get(name, name)
        if not isinstance(key, str):
            return key
        values = self.world.values
        if draft and "draft_" + key in values:
            return values["draft_" + key]
        if key != name:  # the table names a world value (a new one for each write), or gives the value itself
            if key in values and cell.is_write:
                return self.world.fresh(key, self.actor)
            return values.get(key, key)
        if name == "token" and not cell.is_write:
            return self.world.link_of(self.actor)
        return self.world.fresh(name, self.actor) if cell.is_write else self.world.value(name)

    def ask(self, cell: Cell, *, draft: bool = False, slug: str | None = None) -> Answer:
        url = self.url(cell, draft=draft, slug=slug)
        kwargs = {}
        if cell.is_api:
            if self.bearer:
                kwargs["headers"] = {"Authorization": f"Bearer {self.bearer}"}
            if cell.is_write:
                kwargs["json"] = {}
        elif cell.is_write:
            kwargs["data"] = {"csrf_token": self.csrf}
        response = self.client.open(url, method=cell.method, **kwargs)
        return Answer(response.status_code, response.headers.get("Location", ""))


def _arguments(app: Flask, cell: Cell) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules(cell.endpoint) if r.rule == cell.rule)
    return sorted(rule.arguments)
