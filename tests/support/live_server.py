"""The app served by a real WSGI server on loopback, for the browser and concurrency tests."""

import socket
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

from tests.support.readiness import STARTUP_TIMEOUT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """Werkzeug's threaded server; ``stop`` also waits for the requests still running (a page's
    last fetches after the test has closed its browser), so that no request of a finished test
    holds the database while the next step empties it (on PostgreSQL that was a deadlock)."""

    def __init__(self, app):
        self.port = free_port()
        self.running = 0
        self.idle = threading.Condition()
        self.server = make_server("127.0.0.1", self.port, self._counted(app), threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _counted(self, app):
        def done():
            with self.idle:
                self.running -= 1
                self.idle.notify_all()

        def wsgi(environ, start_response):
            with self.idle:
                self.running += 1
            try:
                return ClosingIterator(app(environ, start_response), done)
            except BaseException:
                done()
                raise
        return wsgi

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)
        with self.idle:
            self.idle.wait_for(lambda: self.running == 0, timeout=STARTUP_TIMEOUT)


@contextmanager
def gunicorn(app, workers: int = 4):
    """The app's database served by gunicorn with several worker processes (the race tests)."""
    from bench.registration_rush import Gunicorn

    server = Gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], workers=workers)
    try:
        yield server.wait_ready(timeout=STARTUP_TIMEOUT)
    finally:
        server.stop()
