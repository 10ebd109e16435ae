"""The app under gunicorn with several workers, and requests sent to it at the same instant."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.client import HTTPConnection

import pytest

from eventsvc import create_app
from eventsvc.extensions import db

#: seconds; generous for a loaded 2-core machine (no assertion is about time)
TIMEOUT = 180


@dataclass
class Answer:
    status: int
    text: str
    headers: dict


def at_once(server, requests: list[tuple[str, str, dict, bytes | None]]) -> list[Answer]:
    """Send (method, path, headers, body) requests at the same instant: each on a connection
    opened beforehand, released together by a barrier."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        method, path, headers, body = request
        connection = HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        connection.connect()
        try:
            barrier.wait(timeout=TIMEOUT)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.read().decode(errors="replace"), dict(response.getheaders()))
        finally:
            connection.close()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


@pytest.fixture
def proxied_app(app):
    """The app as deployed behind one nginx (TRUSTED_PROXIES=1), on the tests' database."""
    behind_proxy = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                          "TRUSTED_PROXIES": 1})
    behind_proxy.instance_path = app.instance_path
    yield behind_proxy
    with behind_proxy.app_context():
        db.session.remove()
        db.engine.dispose()
