"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from tests.registration.fixtures import open_event  # noqa: F401 (fixture)
from tests.support.live_server import free_port


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        #: the envelope recipients of each message, in order (a Bcc would be one of them)
        self.recipients: list[list[str]] = []
        #: {address: SMTP answer} for recipients the server refuses, e.g. "550 5.1.1 No such user"
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(("html",)).get_content()


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app):
    """Starts aiosmtpd on a free port and points the app's SMTP settings at it."""
    server = SmtpServer()
    server.start()
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    server.stop()
    app.config.update(saved)


@pytest.fixture
def send_outbox(app):
    """Runs `flask outbox send` the way an operator would; returns its output."""

    def run() -> str:
        result = app.test_cli_runner().invoke(args=["outbox", "send"])
        assert result.exit_code == 0, result.output
        return result.stdout  # log lines go to standard error

    return run
