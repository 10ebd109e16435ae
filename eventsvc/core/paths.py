"""Where the project's folders are, found from this file so that any layer may ask
(``from eventsvc import PROJECT_ROOT`` would load the app factory's package instead)."""

from pathlib import Path

#: the checkout: eventsvc/, templates/, static/, migrations/, docs/, config/
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = PROJECT_ROOT / "eventsvc"
