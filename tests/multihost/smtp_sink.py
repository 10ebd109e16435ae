"""An SMTP server for the multi-host test's smtp host: every message it accepts is one JSON line
(Message-ID, recipients, subject) appended to a file and synced before the server answers 250.

    python tests/multihost/smtp_sink.py ADDRESS PORT FILE
"""

import asyncio
import json
import os
import sys
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, path: str) -> None:
        self.path = path

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = message_from_bytes(envelope.original_content or envelope.content, policy=default)
        line = json.dumps({"message_id": str(message.get("Message-ID", "")).strip(),
                           "to": list(envelope.rcpt_tos), "subject": str(message.get("Subject", ""))})
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())
        return "250 Message accepted for delivery"


def main() -> None:
    address, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    controller = Controller(Recorder(path), hostname=address, port=port)
    controller.start()
    print(f"recording to {path} on {address}:{port}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
