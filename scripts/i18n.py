#!/usr/bin/env python3
"""Translation catalogs, one per capability (eventsvc/<capability>/translations).

    python scripts/i18n.py extract   # refresh every capability's .pot and merge it into its .po files
    python scripts/i18n.py compile   # build the .mo files (done by scripts/test and scripts/serve)
    python scripts/i18n.py check     # list untranslated, fuzzy or clashing Chinese strings; exit 1 if any
    python scripts/i18n.py fill zh < strings.json   # set translations from {"msgid": "译文"}

A capability owns the strings of eventsvc/<capability>/ and templates/<capability>/.
The shared layout (templates/base.html, errors/, macros/) and eventsvc/core belong to "web".

Flask-Babel merges the catalogs of one language into one, so an English text (with its context)
must have one translation in all of them: where one English word means two things, the code says
which with a context (pgettext), and `check` refuses two translations of one msgid.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eventsvc"
TEMPLATES = ROOT / "templates"
LOCALES = ["zh"]
SHARED_TEMPLATE_DIRS = ["errors", "macros"]
#: Extraction keywords besides Babel's defaults (_, gettext, ngettext, pgettext, npgettext, …).
KEYWORDS = ["_l", "lazy_gettext", "lazy_pgettext:1c,2", "lazy_ngettext:1,2", "lazy_npgettext:1c,2,3"]


def capabilities() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in ("core",))


def sources(cap: str) -> list[Path]:
    paths = [PACKAGE / cap]
    if (TEMPLATES / cap).is_dir():
        paths.append(TEMPLATES / cap)
    if cap == "web":
        paths += [PACKAGE / "core", *(TEMPLATES / d for d in SHARED_TEMPLATE_DIRS), *TEMPLATES.glob("*.html")]
    return [p for p in paths if p.exists()]


def run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def extract() -> None:
    cfg = ROOT / "babel.cfg"
    for cap in capabilities():
        src = sources(cap)
        folder = PACKAGE / cap / "translations"
        pot = folder / "messages.pot"
        folder.mkdir(exist_ok=True)
        keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
        run("extract", "-F", str(cfg), *keywords, "--no-location", "--sort-output", "-o", str(pot),
            *map(str, src))
        if "msgid" not in pot.read_text().split('msgstr ""', 1)[-1]:
            pot.unlink()  # no strings in this capability
            if not any(folder.iterdir()):
                folder.rmdir()
            continue
        for locale in LOCALES:
            po = folder / locale / "LC_MESSAGES" / "messages.po"
            if po.exists():
                run("update", "-i", str(pot), "-d", str(folder), "-l", locale, "--no-fuzzy-matching")
            else:
                run("init", "-i", str(pot), "-d", str(folder), "-l", locale)
        print(f"{cap}: {pot.relative_to(ROOT)}")


def compile_all() -> None:
    for folder in PACKAGE.glob("*/translations"):
        for locale in LOCALES:
            if (folder / locale / "LC_MESSAGES" / "messages.po").exists():
                run("compile", "-d", str(folder), "-l", locale, "--use-fuzzy")


def check(root: Path = PACKAGE) -> int:
    """Print every untranslated, fuzzy or clashing string of the catalogs under ``root``; 1 if any."""
    problems = 0
    for locale in LOCALES:
        seen: dict[tuple[str | None, str], tuple[Path, object]] = {}
        for po in sorted(root.glob(f"*/translations/{locale}/LC_MESSAGES/messages.po")):
            with po.open("rb") as f:
                catalog = read_po(f)
            for message in catalog:
                if not message.id:
                    continue
                if (not message.string or message.fuzzy or
                        (isinstance(message.string, tuple) and not all(message.string))):
                    problems += 1
                    context = f" (context {message.context!r})" if message.context else ""
                    print(f"{_shown(po)}: untranslated: {message.id!r}{context}")
                    continue
                problems += _clash(seen, po, message)
    return 1 if problems else 0


def _clash(seen: dict, po: Path, message) -> int:
    """1 (and a line naming both catalogs) if another catalog translates this msgid otherwise."""
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    key = (message.context, msgid)
    if key not in seen:
        seen[key] = (po, message.string)
        return 0
    first_po, first = seen[key]
    if first == message.string:
        return 0
    context = f" (context {message.context!r})" if message.context else ""
    print(f"clash: {msgid!r}{context} is {first!r} in {_shown(first_po)} but {message.string!r} in "
          f"{_shown(po)}: use one translation, or pgettext with a context where the meanings differ")
    return 1


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def fill(locale: str) -> None:
    import json

    from babel.messages.pofile import write_po

    translations = json.load(sys.stdin)
    for po in sorted(PACKAGE.glob(f"*/translations/{locale}/LC_MESSAGES/messages.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        changed = False
        for message in catalog:
            if message.id and message.id in translations and (not message.string or message.fuzzy):
                message.string = translations[message.id]
                message.flags.discard("fuzzy")
                changed = True
        if changed:
            with po.open("wb") as f:
                write_po(f, catalog, width=76, omit_header=False)


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if action == "extract":
        extract()
    elif action == "compile":
        compile_all()
    elif action == "fill":
        fill(sys.argv[2])
    elif action == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
