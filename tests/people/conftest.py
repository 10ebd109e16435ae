"""The agenda tests' fixtures serve the people tests too."""

from tests.events.conftest import demo_ids  # noqa: F401
