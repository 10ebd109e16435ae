"""What the stack costs before eventsvc does anything: three WSGI apps that each answer a POST
with the least a scan must do (read a small JSON body, write one row, answer JSON), for
bench/sidebyside.py ``--floors``:

- ``wsgi``: a plain WSGI function and the database driver (psycopg with a prepared statement in
  autocommit; sqlite3 with eventsvc's pragmas, one short transaction);
- ``flask``: the same under Flask (a route, ``request.get_json``, ``jsonify``), no extension;
- ``flask_sqlalchemy``: Flask with Flask-SQLAlchemy: the INSERT through the session, then commit.

Served by the same gunicorn, workers and client as the scan, they give the rate above which the
scan cannot go on this machine whatever its own code does: the rate of each layer eventsvc is
built on, with nothing of eventsvc in it (no authentication, no rules, no log line, no headers).

    EVENTSVC_BENCH_FLOOR_URL=postgresql+psycopg://... gunicorn bench.floor_apps:flask
"""

import json
import os
import sqlite3

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

URL = make_url(os.environ.get("EVENTSVC_BENCH_FLOOR_URL", "sqlite:///floor.sqlite"))
TABLE = "bench_floor"


class _Driver:
    """One connection per worker, opened on the first request (after gunicorn forked)."""

    def __init__(self):
        self.connection = None

    def insert(self, nonce: str) -> int:
        if self.connection is None:
            self.connection = self._connect()
        if URL.get_backend_name() == "postgresql":
            return self.connection.execute(f"INSERT INTO {TABLE} (nonce) VALUES (%s) RETURNING id", (nonce,),
                                           prepare=True).fetchone()[0]
        with self.connection:  # one transaction, committed
            return self.connection.execute(f"INSERT INTO {TABLE} (nonce) VALUES (?) RETURNING id",
                                           (nonce,)).fetchone()[0]

    @staticmethod
    def _connect():
        if URL.get_backend_name() == "postgresql":
            import psycopg

            connection = psycopg.connect(host=URL.host, port=URL.port, user=URL.username, password=URL.password,
                                         dbname=URL.database, autocommit=True)
        else:
            connection = sqlite3.connect(URL.database, isolation_level="IMMEDIATE")
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                connection.execute(f"PRAGMA {pragma}")
        key = "SERIAL" if URL.get_backend_name() == "postgresql" else "INTEGER"
        connection.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id {key} PRIMARY KEY, nonce TEXT NOT NULL UNIQUE)")
        return connection


_driver = _Driver()


def wsgi(environ, start_response):
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    answer = json.dumps({"result": "ok", "id": _driver.insert(body["nonce"]), "nonce": body["nonce"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
    return [answer]


flask = Flask("floor_flask")


@flask.post("/<path:_path>")
def flask_route(_path):
    nonce = request.get_json()["nonce"]
    return jsonify(result="ok", id=_driver.insert(nonce), nonce=nonce)


flask_sqlalchemy = Flask("floor_flask_sqlalchemy")
flask_sqlalchemy.config["SQLALCHEMY_DATABASE_URI"] = URL.render_as_string(hide_password=False)
db = SQLAlchemy(flask_sqlalchemy)
_INSERT = text(f"INSERT INTO {TABLE} (nonce) VALUES (:nonce) RETURNING id")


@flask_sqlalchemy.post("/<path:_path>")
def flask_sqlalchemy_route(_path):
    nonce = request.get_json()["nonce"]
    row_id = db.session.execute(_INSERT, {"nonce": nonce}).scalar_one()
    db.session.commit()
    return jsonify(result="ok", id=row_id, nonce=nonce)


def create_table() -> None:
    """The table, made before the servers start (and emptied: each phase writes new nonces)."""
    connection = _Driver._connect()
    connection.execute(f"DELETE FROM {TABLE}")
    if URL.get_backend_name() != "postgresql":
        connection.commit()
    connection.close()
