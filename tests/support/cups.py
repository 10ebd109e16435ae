"""A private CUPS daemon with a PDF printer (Debian's cups-pdf) for printing tests.

It runs from a temporary folder on its own port and socket, started and stopped by its PID;
what is printed on the queue lands as a PDF in ``out``. ``CUPS_SERVER`` points ``lp`` (and any
CUPS client of the test's process) at it. If it cannot start, the test fails: printing is part
of what the suite checks (scripts/bootstrap --test installs cups and printer-driver-cups-pdf).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.support.readiness import wait_until

CUPSD = "/usr/sbin/cupsd"
PPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd"
CUPS_PDF_CONFIGS = Path("/etc/cups")


@dataclass
class Cups:
    server: str
    queue: str
    out: Path
    process: subprocess.Popen

    def printed(self) -> list[Path]:
        return sorted(self.out.glob("*.pdf"))

    def only_printed_codes(self, folder: Path) -> list[str]:
        """The QR codes on the one page printed so far, read as a camera would (150 dpi raster)."""
        import zxingcpp
        from PIL import Image

        [pdf] = self.printed()
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(folder / "printed")],
                       check=True)
        return [r.text for r in zxingcpp.read_barcodes(Image.open(folder / "printed.png"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cups(queue: str = "labels") -> tuple[Cups, callable]:
    """Start the daemon in a new folder under /tmp (CUPS filters run as the user lp: pytest's own
    temporary folders, readable by root only, would leave them unable to read the job)."""
    for tool in (CUPSD, PPD, "/usr/lib/cups/backend/cups-pdf"):
        assert Path(tool).exists(), f"{tool} is missing: run scripts/bootstrap --test (cups, printer-driver-cups-pdf)"
    for tool in ("lp", "lpadmin"):
        assert shutil.which(tool), f"{tool} is missing: run scripts/bootstrap --test"
    root = Path(tempfile.mkdtemp(prefix="eventsvc-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "tmp", "cache", "state", "log", "out"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    (root / "out").chmod(0o1777)
    port = _free_port()
    (root / "cupsd.conf").write_text(
        f"LogLevel warn\nListen 127.0.0.1:{port}\nBrowsing Off\nDefaultAuthType None\nWebInterface No\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n")
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {root}/spool\nTempDir {root}/tmp\nCacheDir {root}/cache\n"
        f"StateDir {root}/state\nAccessLog {root}/log/access_log\nErrorLog {root}/log/error_log\n"
        f"PageLog {root}/log/page_log\nSystemGroup root lpadmin\n")
    # cups-pdf reads /etc/cups/cups-pdf-<name>.conf for a queue whose URI is cups-pdf:/<name>
    name = f"eventsvc-test-{uuid.uuid4().hex[:8]}"
    config = CUPS_PDF_CONFIGS / f"cups-pdf-{name}.conf"
    config.write_text(f"Out {root}/out\nAnonDirName {root}/out\nUserUMask 0000\nLog {root}/log\n")
    process = subprocess.Popen([CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = f"127.0.0.1:{port}"
    env = {**os.environ, "CUPS_SERVER": server}

    def stop():
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        config.unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)

    try:
        def log() -> str:
            error_log = root / "log" / "error_log"
            return error_log.read_text() if error_log.exists() else ""

        wait_until(lambda: subprocess.run(["lpstat", "-r"], env=env, capture_output=True, text=True)
                   .stdout.startswith("scheduler is running"), what="cupsd", process=process, log=log)
        subprocess.run(["lpadmin", "-p", queue, "-E", "-v", f"cups-pdf:/{name}", "-P", PPD],
                       env=env, check=True, capture_output=True)
        subprocess.run(["lpadmin", "-d", queue], env=env, check=True, capture_output=True)
    except BaseException:
        stop()
        raise
    return Cups(server, queue, root / "out", process), stop
