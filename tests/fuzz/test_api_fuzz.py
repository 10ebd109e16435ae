"""Schemathesis over every operation of the API's OpenAPI document: 0 server errors, 0 answers that
break the documented schema, 0 HTML answers under /api.

Three callers — an organizer of event A, door staff of event A, and nobody — send generated
requests (valid ones and deliberately invalid ones) into the access matrix's world, so that most
path ids name real rows: the fuzzer reaches the rules, not only the 404. A second test walks the
document's links (a session → its speeches, a registration → its badge …) as a state machine.

Bounded and reproducible: a fixed number of examples per operation, no deadline, derandomized, no
example database. The number of generated cases is printed at the end of the run (see
``pytest_terminal_summary`` in tests/conftest.py; each test records its count in user_properties).
"""

import logging
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from eventsvc.api.auth import API_PREFIX
from eventsvc.extensions import db
from tests.support import database
from tests.support.access_world import World, build_world

#: caller → (the access world's actor whose token is sent, examples per operation and mode)
CALLERS = {
    "organizer": ("organizer_a", 15),
    "staff": ("staff_a", 6),
    "nobody": (None, 3),
}
#: caller → scenarios of up to STEPS linked requests
SCENARIOS = {"organizer": 50, "staff": 10, "nobody": 4}
STEPS = 6
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, allow_header_conformance, unsupported_method]
#: reads first, deletions last, so that the world's rows live as long as possible
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 2, "DELETE": 3}


def _settings(examples: int, **extra) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), **extra)


@dataclass
class Findings:
    """What the checks found, one example per (operation, problem), and how many cases were sent."""
    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    problems: dict = field(default_factory=dict)

    def record(self, case, response, problem: str, detail: str, where=()) -> None:
        key = (case.operation.label, problem, response.status_code, tuple(where))
        if key not in self.problems:
            request = response.request
            self.problems[key] = (f"{case.operation.label}: {problem}\n  {request.method} {request.url}"
                                  f"\n  body: {str(request.body)[:300]}\n  → {response.status_code} "
                                  f"{_content_type(response)}: {response.text[:300]}\n  {detail[:1500]}")

    def report(self) -> str:
        return "\n\n".join(self.problems.values())


class LastTraceback(logging.Handler):
    """Keeps the last exception the app logged, so a 500 is reported with its cause."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.text = ""

    def emit(self, record):
        self.text = self.format(record)


def _content_type(response) -> str:
    return (response.headers.get("content-type") or [""])[0]


def _answers_json(response) -> str | None:
    if response.status_code == 204 or not response.content:
        return None
    content_type = _content_type(response)
    if response.status_code < 400 and content_type == "application/pdf":
        return None if response.content.startswith(b"%PDF") else "a PDF answer that is not a PDF"
    if "html" in content_type or response.text.lstrip().startswith("<"):
        return f"an HTML answer ({content_type})"
    if response.status_code >= 400 and not content_type.startswith("application/json"):
        return f"an error that is not JSON ({content_type})"
    return None


def _last_lines(text: str, count: int) -> str:
    return "\n  ".join(text.splitlines()[-count:])


def check_and_record(findings: Findings, case, response, traceback: LastTraceback, headers) -> None:
    findings.cases += 1
    findings.by_status[response.status_code] += 1
    if (problem := _answers_json(response)) is not None:
        findings.record(case, response, problem, "")
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            detail = (_last_lines(traceback.text, 6) if response.status_code >= 500
                      else str(failure.message))
            where = [part for part in getattr(failure, "schema_path", ()) if isinstance(part, str)]
            findings.record(case, response, failure.title, detail, where)
    traceback.text = ""


@dataclass
class FuzzSetup:
    world: World
    schema: object
    traceback: LastTraceback
    #: the world's rows, which each linked scenario starts from
    rows: dict


@pytest.fixture
def fuzz(app):
    world = build_world(app)
    with app.app_context():
        rows = database.snapshot_rows(db)
    handler = LastTraceback()
    app.logger.addHandler(handler)
    schema = schemathesis.openapi.from_wsgi(f"{API_PREFIX}/openapi.json", app)
    # The callers' own headers say who asks ("nobody" sends none); linked scenarios send valid
    # requests, so that what one creates exists for the next (the single operations send both kinds).
    schema.config.generation.update(modes=[GenerationMode.POSITIVE], with_security_parameters=False)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Mostly the world's real ids (so requests reach the rules), sometimes the generated ones."""
        if not path_parameters:
            return st.just(path_parameters)
        known = {name: world.values[name] for name in path_parameters if name in world.values}
        return st.sampled_from([{**path_parameters, **known}] * 3 + [path_parameters])

    yield FuzzSetup(world, schema, handler, rows)
    app.logger.removeHandler(handler)


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (METHOD_ORDER[op.method.upper()], op.path))


def _strategy(operation):
    modes = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    return st.one_of(modes)


def _headers(world, actor):
    return {"Authorization": f"Bearer {world.bearer[actor]}"} if actor else {}


def _finish(request, caller: str, kind: str, findings: Findings) -> None:
    request.node.user_properties.append(("fuzz_cases", findings.cases))
    print(f"\n{kind} fuzz as {caller}: {findings.cases} cases, statuses {dict(sorted(findings.by_status.items()))}")
    assert not findings.problems, f"{len(findings.problems)} problems:\n\n{findings.report()}"


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_answers_within_its_documentation(request, fuzz, caller):
    world, schema, traceback = fuzz.world, fuzz.schema, fuzz.traceback
    actor, examples = CALLERS[caller]
    headers = _headers(world, actor)
    findings = Findings()
    operations = _operations(schema)
    assert len(operations) > 60, "the fuzzer should see every operation of the document"
    for operation in operations:

        @_settings(examples)
        @given(case=_strategy(operation))
        def send(case):
            response = case.call(headers=headers)
            check_and_record(findings, case, response, traceback, headers)

        send()
    _finish(request, caller, "operation", findings)


@pytest.mark.parametrize("caller", CALLERS)
def test_linked_operations_answer_within_their_documentation(request, app, fuzz, caller):
    world, schema, traceback = fuzz.world, fuzz.schema, fuzz.traceback
    actor = CALLERS[caller][0]
    headers = _headers(world, actor)
    findings = Findings()

    class Workflow(schema.as_state_machine()):
        def setup(self):
            """Each scenario starts from the same world: Hypothesis replays scenarios and expects
            the same answers to the same requests."""
            with app.app_context():
                database.restore_rows(db, fuzz.rows)

        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            check_and_record(findings, case, response, traceback, headers)

    Workflow.run(settings=_settings(SCENARIOS[caller], stateful_step_count=STEPS))
    _finish(request, caller, "linked", findings)


#: requests the document does not describe, which must still be answered in JSON: (method, path, body)
OFF_THE_DOCUMENT = [
    ("GET", f"{API_PREFIX}/no-such-thing", None),
    ("GET", "/api/v2/events", None),
    ("GET", "/api/", None),
    ("PUT", f"{API_PREFIX}/events", None),
    ("DELETE", f"{API_PREFIX}/events/alpha-forum", None),
    ("POST", f"{API_PREFIX}/events/alpha-forum/sessions", b"{"),
    ("POST", f"{API_PREFIX}/events/alpha-forum/sessions", b"[" * 100_000),
    ("POST", f"{API_PREFIX}/events/alpha-forum/scans", b"\xff\xfe not utf-8"),
    ("PATCH", f"{API_PREFIX}/events/alpha-forum/sessions/1", b"null"),
    ("GET", f"{API_PREFIX}/events/alpha-forum/registrations/{'9' * 40}/badge", None),
    ("GET", f"{API_PREFIX}/events/alpha-forum/registrations/-1/badge", None),
    ("GET", f"{API_PREFIX}/events/%00/sessions", None),
]


@pytest.mark.parametrize("caller", ["organizer", "nobody"])
def test_answers_off_the_document_under_api_are_json_too(app, fuzz, caller):
    """No HTML under /api, whatever is asked: unknown paths, methods a path lacks (405 with Allow),
    bodies that are no JSON or nest too deep, ids no column holds."""
    headers = {**_headers(fuzz.world, CALLERS[caller][0]), "Content-Type": "application/json"}
    client = app.test_client()
    for method, path, body in OFF_THE_DOCUMENT:
        response = client.open(path, method=method, data=body, headers=headers)
        where = f"{method} {path} → {response.status_code}"
        assert 400 <= response.status_code < 500, where
        assert response.mimetype == "application/json", where
        assert isinstance(response.json["code"], str) and response.json["status"] == response.status_code, where
        if response.status_code == 405:
            assert response.headers.get("Allow"), where
