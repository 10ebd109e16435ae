"""What scripts/bootstrap, test and serve print: one line per step with its time, the output of a
step only when it fails, and the Debian packages they need on one line."""

import os
import subprocess

from eventsvc import PROJECT_ROOT

PHASE = PROJECT_ROOT / "scripts" / "phase.sh"


def _bash(script: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", f'. "{PHASE}"; {script}'], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_a_step_that_succeeds_prints_one_line_with_its_time_and_nothing_of_its_own_output():
    done = _bash('phase "installing Debian packages: postgresql, chromium" bash -c "echo noisy; echo noise >&2"')
    assert done.returncode == 0
    assert done.stdout.splitlines() == [done.stdout.strip()]
    assert done.stdout.startswith("== installing Debian packages: postgresql, chromium … (took ")
    assert done.stdout.rstrip().endswith(" s)")
    assert "noisy" not in done.stdout + done.stderr


def test_a_step_that_fails_shows_its_output_and_stops_with_its_exit_status():
    failed = _bash('phase "installing eventsvc" bash -c "echo Collecting flask; echo No matching distribution >&2; '
                   'exit 3"; echo "not reached"')
    assert failed.returncode == 3
    assert "== installing eventsvc … " in failed.stdout and "not reached" not in failed.stdout
    assert "FAILED after" in failed.stderr
    assert "  | Collecting flask" in failed.stderr and "  | No matching distribution" in failed.stderr


def test_bootstrap_names_the_missing_debian_packages_on_one_line(tmp_path):
    """Without root, bootstrap --test stops at once and names what to install, on one line."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dpkg").write_text("#!/bin/sh\nexit 1\n")  # nothing is installed
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")  # not root
    for tool in fake.iterdir():
        tool.chmod(0o755)
    result = subprocess.run([str(PROJECT_ROOT / "scripts" / "bootstrap"), "--test"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"})
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "missing Debian packages (install them as root): postgresql, chromium, poppler-utils, ffmpeg, "
        "fonts-wqy-microhei, redis-server, nginx-light, haproxy, cups, printer-driver-cups-pdf"]
