"""The README and docs/ tell a newcomer the truth: every link between them leads somewhere, none
points outside the project, and every environment variable a script or the code reads is named
in the README (with what it does and its default)."""

import re
from pathlib import Path

from eventsvc import PROJECT_ROOT
from eventsvc.awards import verification
from eventsvc.awards.enums import AwardStatus
from eventsvc.checkin.enums import ScanResult
from eventsvc.mail.wording import KINDS
from eventsvc.registration.categories import DEFAULT_CATEGORIES
from eventsvc.registration.enums import (
    InvitationStatus,
    RegistrationSource,
    RegistrationStatus,
    SeatStatus,
)

README = PROJECT_ROOT / "README.md"
DOCS = PROJECT_ROOT / "docs"
#: variables every program may read, which are no setting of ours; and pytest-xdist's own
NOT_OURS = {"PATH", "PWD", "HOME", "TMPDIR", "SECONDS", "UID", "PYTEST_XDIST_WORKER"}

MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
SHELL_READ = re.compile(r"\$\{?([A-Z_][A-Z0-9_]*)")
SHELL_ASSIGNED = re.compile(r"(?:^|\s|export |local )([A-Z_][A-Z0-9_]*)=", re.MULTILINE)
PYTHON_READ = re.compile(r"""(?:os\.environ(?:\.get)?\s*[\[(]|os\.getenv\()\s*["']([A-Z_][A-Z0-9_]*)["']""")


def _documents() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _shell_scripts() -> list[Path]:
    return [p for p in sorted((PROJECT_ROOT / "scripts").iterdir())
            if p.is_file() and (p.suffix == ".sh" or p.read_text(errors="replace").startswith("#!/usr/bin/env bash"))]


def _python_files() -> list[Path]:
    folders = ("scripts", "eventsvc", "config", "deploy", "bench", "tests")
    return [p for folder in folders for p in sorted((PROJECT_ROOT / folder).rglob("*.py"))]


def variables_read() -> dict[str, set[str]]:
    """{variable: files that read it} over the scripts, the code, its settings and its tests."""
    found: dict[str, set[str]] = {}
    for script in _shell_scripts():
        text = script.read_text()
        code = "\n".join(line.split("#", 1)[0] if line.lstrip().startswith("#") else line
                         for line in text.splitlines())
        assigned = set(SHELL_ASSIGNED.findall(code))
        for name in set(SHELL_READ.findall(code)) - assigned:
            found.setdefault(name, set()).add(str(script.relative_to(PROJECT_ROOT)))
    for source in _python_files():
        for name in PYTHON_READ.findall(source.read_text(errors="replace")):
            found.setdefault(name, set()).add(str(source.relative_to(PROJECT_ROOT)))
    return {name: files for name, files in found.items() if name not in NOT_OURS}


def test_every_environment_variable_a_script_or_the_code_reads_is_in_the_readme():
    readme = README.read_text()
    read = variables_read()
    assert {"PORT", "EVENTSVC_TEST_WORKERS", "EVENTSVC_VENV", "EVENTSVC_TEST_DATABASE_URL"} <= set(read)
    missing = {name: sorted(files) for name, files in read.items() if f"`{name}`" not in readme}
    assert not missing, f"read but not in the README (name each in backquotes, with its default): {missing}"


def test_every_relative_link_of_the_readme_and_docs_leads_to_a_file_of_the_project():
    broken = []
    for document in _documents():
        for target in MARKDOWN_LINK.findall(document.read_text()):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # a web address or a place on the same page
            path = (document.parent / target.split("#", 1)[0]).resolve()
            if not path.is_relative_to(PROJECT_ROOT.resolve()) or not path.exists():
                broken.append(f"{document.relative_to(PROJECT_ROOT)}: {target}")
    assert not broken, broken


def test_no_document_sends_the_reader_outside_the_project():
    for document in _documents():
        text = document.read_text()
        assert "../shared" not in text and "SPEC.md" not in text, document


def test_the_docs_index_links_every_document_in_docs():
    index = (DOCS / "README.md").read_text()
    linked = {target.split("#", 1)[0] for target in MARKDOWN_LINK.findall(index)}
    for document in sorted(DOCS.glob("*.md")):
        if document.name != "README.md":
            assert document.name in linked, f"docs/README.md does not link {document.name}"
    assert "docs/README.md" in README.read_text()


def _doc(name: str) -> str:
    return (DOCS / name).read_text()


def test_the_user_guide_names_every_state_and_answer_the_code_has():
    """The guide's tables name each state by its value in the code; a new state needs a line there."""
    registration = _doc("registration.md")
    for states in (InvitationStatus, RegistrationStatus, RegistrationSource, SeatStatus):
        assert all(f"`{state.value}`" in registration for state in states), states
    assert all(f"`{result.value}`" in _doc("door.md") for result in ScanResult)
    awards = _doc("awards.md")
    assert all(f"`{status.value}`" in awards for status in AwardStatus)
    answers = (verification.VALID, verification.NOT_AWARDED, verification.EXPIRED, verification.REVOKED,
               verification.UNKNOWN)
    assert all(f"`{answer}`" in awards for answer in answers)
    organizing = _doc("organizing.md")
    for code, label, label_local, colour, _ in DEFAULT_CATEGORIES:
        assert f"| `{code}` | {label} | {label_local} |" in organizing and f"`{colour}`" in organizing


def test_the_user_guide_lists_every_guest_email():
    mail = _doc("mail.md")
    with_english = [str(kind.label) for kind in KINDS.values()]
    missing = [label for label in with_english if label.split(" (")[0] not in mail]
    assert not missing, missing
