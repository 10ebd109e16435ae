"""The app served by a real WSGI server on loopback, for the browser and concurrency tests."""

import socket
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.support.readiness import STARTUP_TIMEOUT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@contextmanager
def gunicorn(app, workers: int = 4):
    """The app's database served by gunicorn with several worker processes (the race tests)."""
    from bench.registration_rush import Gunicorn

    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=workers)
    try:
        yield server.wait_ready(timeout=STARTUP_TIMEOUT)
    finally:
        server.stop()
