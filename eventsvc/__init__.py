"""eventsvc: event management and registration for forums and conferences."""

import os
from pathlib import Path

from flask import Flask

from eventsvc.core import production
from eventsvc.core.paths import PROJECT_ROOT

CONFIG_DIR = Path(os.environ.get("EVENTSVC_CONFIG_DIR", PROJECT_ROOT / "config"))


def create_app(env: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints and CLI."""
    app = Flask(
        __name__,
        # one instance folder per host when several share the code's folder (EVENTSVC_INSTANCE_PATH)
        instance_path=os.environ.get("EVENTSVC_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    _configure(app, env or os.environ.get("EVENTSVC_ENV", "development"), overrides or {})

    # Imported here, not at the top: this file runs before any eventsvc module is imported,
    # and importing, say, eventsvc.core.types must not load every capability with it.
    from sqlalchemy.orm import configure_mappers

    from eventsvc import models  # noqa: F401  (complete metadata before anything uses it)
    from eventsvc.core import (
        clients,
        db_setup,
        errors_http,
        health,
        i18n,
        input,
        logs,
        metrics,
        security_headers,
        tasks,
        templating,
    )
    from eventsvc.extensions import api, csrf, db, login_manager, migrate

    logs.init_app(app)  # first: the request id is set before any other hook logs
    clients.init_app(app)  # ProxyFix, when TRUSTED_PROXIES says there are proxies in front
    metrics.init_app(app)
    db.init_app(app)
    db_setup.init_app(app)
    tasks.init_app(app)  # the task queue; workers build the app through eventsvc.worker
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    input.init_app(app)  # the bounded int converter, before any route is added
    api.init_app(app, spec_kwargs=errors_http.configure_api(api))
    security_headers.init_app(app)
    health.init_app(app)

    from eventsvc import blueprints

    blueprints.register(app)
    # the mappers' relationships are resolved now, at start-up, not by a worker's first query (~60 ms)
    configure_mappers()
    input.guard_requests(app)  # after the API's door: who calls is settled before what they send
    errors_http.init_app(app)  # after api.init_app, whose JSON-only handler it replaces
    return app


def _configure(app: Flask, env: str, overrides: dict) -> None:
    app.config["ENV_NAME"] = env
    app.config.from_pyfile(str(CONFIG_DIR / "default.py"))
    env_file = CONFIG_DIR / f"{env}.py"
    if not env_file.exists():
        raise RuntimeError(f"unknown environment {env!r}: no {env_file}")
    app.config.from_pyfile(str(env_file))
    app.config.from_prefixed_env("EVENTSVC")
    if url := app.config.pop("DATABASE_URL", None):
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if env == "production":
            raise RuntimeError("production needs EVENTSVC_DATABASE_URL")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'eventsvc.sqlite'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the driver we ship
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    if env == "production":
        production.check_settings(app.config, warn=app.logger.warning)  # a guessable secret, a loopback URL
