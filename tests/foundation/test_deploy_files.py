"""compose.yaml and the Dockerfile name only what exists: entry points the image has, settings the app reads."""

import importlib.util
import re
import shlex

import yaml

from eventsvc import create_app
from eventsvc.core.paths import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "compose.yaml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"

#: names an environment variable gives that are not settings of config/default.py
NOT_SETTINGS = {
    "ENV": "the environment's name, read by create_app",
    "CONFIG_DIR": "the folder of the settings files, read by create_app",
    "DATABASE_URL": "becomes SQLALCHEMY_DATABASE_URI",
}
#: settings and modules that other branches of issues 12 and 13 bring (the task queue; badge keys). When
#: one lands, its line here makes the test fail until it is removed, like the access matrix's holes.
COMING: dict[str, str] = {}  # wip/queue and wip/mail merged: nothing is coming any more


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _settings() -> set[str]:
    names = set()
    for line in (PROJECT_ROOT / "config" / "default.py").read_text().splitlines():
        if match := re.match(r"([A-Z][A-Z0-9_]*)\s*=", line):
            names.add(match.group(1))
    return names


def _environment_names() -> set[str]:
    names = set()
    for service in _compose()["services"].values():
        names |= set(service.get("environment") or {})
    names |= set(re.findall(r"\b(EVENTSVC_[A-Z0-9_]+)", DOCKERFILE.read_text()))
    names |= set(re.findall(r"\$\{(EVENTSVC_[A-Z0-9_]+)", COMPOSE.read_text()))
    return {name for name in names if name.startswith("EVENTSVC_")}


def _missing(kind: str, name: str, exists: bool, found: list, stale: list) -> None:
    key = f"{kind} {name}"
    if not exists and key not in COMING:
        found.append(key)
    if exists and key in COMING:
        stale.append(key)


def test_every_eventsvc_variable_is_a_setting_of_the_configuration_table():
    settings, missing, stale = _settings(), [], []
    for variable in sorted(_environment_names()):
        name = variable.removeprefix("EVENTSVC_")
        if name in NOT_SETTINGS:
            continue
        _missing("setting", name, name in settings, missing, stale)
    assert missing == [], f"compose.yaml / Dockerfile set variables that config/default.py does not know: {missing}"
    assert stale == [], f"now in config/default.py: remove from COMING: {stale}"
    source = (PROJECT_ROOT / "eventsvc" / "__init__.py").read_text()
    assert all(f"EVENTSVC_{name}" in source or name in source for name in NOT_SETTINGS)


def test_every_services_command_is_an_entry_point_of_the_image(database_url):
    services = _compose()["services"]
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})
    missing, stale, checked = [], [], set()
    for name, service in services.items():
        command = service.get("command")
        if "build" not in service or not command:
            continue  # postgres, redis, nginx: their images' own commands
        argv = shlex.split(command) if isinstance(command, str) else command
        program = argv[0]
        checked.add(program)
        if program == "gunicorn":
            module, _, attribute = argv[-1].partition(":")
            assert importlib.util.find_spec(module) is not None, f"{name}: no module {module}"
            assert attribute == "app" and module == "eventsvc.wsgi"
            config = argv[argv.index("-c") + 1]
            assert (PROJECT_ROOT / config).is_file(), f"{name}: no {config}"
            assert f"COPY {config}" in DOCKERFILE.read_text(), f"{name}: the image lacks {config}"
        elif program == "flask":
            assert argv[1:3] == ["--app", "eventsvc"]
            group = app.cli.get_command(None, argv[3])
            assert group is not None and group.get_command(None, argv[4]) is not None, f"{name}: flask {argv[3:5]}"
        elif program == "celery":
            module = argv[argv.index("-A") + 1]
            _missing("module", module, importlib.util.find_spec(module) is not None, missing, stale)
            assert argv[argv.index("-A") + 2] in ("worker", "beat"), f"{name}: celery {argv}"
        else:
            raise AssertionError(f"{name}: {program} is not an entry point this test knows")
    assert checked == {"gunicorn", "flask", "celery"}
    assert missing == [] and stale == [], (missing, stale)


def test_the_stack_has_its_parts_and_the_web_servers_wait_for_the_migrations():
    services = _compose()["services"]
    assert {"postgres", "redis", "migrate", "web-a", "web-b", "worker", "scheduler", "nginx"} <= set(services)
    for web in ("web-a", "web-b"):
        assert services[web]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "/readyz" in " ".join(services[web]["healthcheck"]["test"])
        assert services[web]["environment"]["EVENTSVC_TRUSTED_PROXIES"] == "1"
    assert services["migrate"]["restart"] == "no"
    nginx = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert "server web-a:8000" in nginx and "server web-b:8000" in nginx
    assert "X-Forwarded-For $remote_addr" in nginx and "X-Request-ID $request_id" in nginx


def test_the_image_runs_as_a_user_without_privileges_and_builds_in_two_stages():
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.M)
    assert len(stages) == 2 and all(stage.startswith("python:3.11-slim") for stage in stages)
    users = re.findall(r"^USER (\S+)", text, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert "flask --app eventsvc db upgrade" in text  # the migrations are their own command


def test_the_readme_links_the_deployment_guide():
    assert "docs/deploy.md" in (PROJECT_ROOT / "README.md").read_text()
    guide = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
    for topic in ("BADGE_KEY_ENCRYPTION_KEY", "SECRET_KEY", "db upgrade", "/readyz", "/metrics", "replica"):
        assert topic in guide, topic


def test_everything_the_image_copies_is_in_the_repository():
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            *sources, _target = line.split()[1:]
            for source in sources:
                assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"
