"""The dependency direction: lower layers own small registries that higher ones fill.

import-linter (``lint-imports``, run by scripts/test) checks the layers themselves; these
tests check that the registries are complete once the app is built, and that no module
imports eventsvc inside a function to dodge an import cycle.
"""

import ast
from pathlib import Path

from eventsvc import PROJECT_ROOT

#: imports inside functions that stay, and why
ALLOWED_INNER_IMPORTS = {
    # the app factory keeps `import eventsvc.x` light: this file runs before any of its modules
    "eventsvc/__init__.py": "create_app",
}


def test_the_organizer_tabs_keep_their_order_whoever_registers_them(app):
    from eventsvc.core.manage_nav import TABS

    assert [tab.endpoint for tab in TABS] == [
        "manage.event_overview", "agenda.overview", "people_pages.people_list", "manage.rooms",
        "registration_manage.invitations", "registration_manage.registrations", "registration_manage.categories",
        "questions_manage.questions", "badges.badge_list", "badges.station_list",
        "awards.programs", "checkin.arrivals", "checkin.scanner", "manage.event_edit",
        "team.members", "registration_manage.settings", "guest_mail.emails", "guest_mail.outbox_page", "webhooks.endpoint_list",
        "audit_pages.trail_page"]
    assert all(tab.endpoint in app.view_functions for tab in TABS)


def test_every_capability_has_added_its_part_once_the_app_is_built(app):
    from eventsvc.awards.attendance import copy_rules
    from eventsvc.awards.service import copy_programs
    from eventsvc.events.overview import OVERVIEW_FIGURES
    from eventsvc.events.service import NEXT_EDITION_COPIERS
    from eventsvc.people.service import PERSON_DELETE_GUARDS
    from eventsvc.registration.categories import copy_categories
    from eventsvc.registration.lists import keep_invited_or_registered, overview_counts
    from eventsvc.registration.portal import PORTAL_SECTIONS
    from eventsvc.registration.questions.service import copy_questions
    from eventsvc.registration.reminders import copy_guest_mail

    assert set(NEXT_EDITION_COPIERS) == {copy_categories, copy_questions, copy_programs, copy_guest_mail, copy_rules}
    assert NEXT_EDITION_COPIERS.index(copy_categories) < NEXT_EDITION_COPIERS.index(copy_questions)
    assert list(OVERVIEW_FIGURES) == [overview_counts]
    assert list(PERSON_DELETE_GUARDS) == [keep_invited_or_registered]
    assert {"badges/_portal_badge.html", "awards/_portal_certificates.html"} <= set(PORTAL_SECTIONS)


def _inner_eventsvc_imports(path: Path) -> list[tuple[str, int]]:
    """(function, line) of every import of eventsvc inside a function of this file."""
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            module = node.module if isinstance(node, ast.ImportFrom) else \
                node.names[0].name if isinstance(node, ast.Import) else None
            if module and (module == "eventsvc" or module.startswith("eventsvc.") or getattr(node, "level", 0)):
                found.append((function.name, node.lineno))
    return found


def test_no_module_imports_eventsvc_inside_a_function_to_dodge_a_cycle():
    offenders = []
    for path in sorted((PROJECT_ROOT / "eventsvc").rglob("*.py")):
        name = path.relative_to(PROJECT_ROOT).as_posix()
        for function, line in _inner_eventsvc_imports(path):
            if ALLOWED_INNER_IMPORTS.get(name) != function:
                offenders.append(f"{name}:{line} in {function}()")
    assert offenders == []
