"""A real SMTP server for the tests that send mail: aiosmtpd on 127.0.0.1, its envelopes kept.

``smtp`` (re-exported by ``tests/conftest.py``) starts one per test and yields ``(controller,
sink)``; ``mail_settings(port)`` is the app configuration that sends to it, ``messages(sink)``
the mails it received, parsed.
"""

from __future__ import annotations

import email
import email.policy
import socket

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """aiosmtpd handler keeping every envelope it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def mail_settings(port: int, **extra) -> dict:
    """The settings of an app that mails through the test server on ``port``."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_DEFAULT_SENDER": "ahya@example.org",
            "PUBLIC_URL": "https://ahya.example", **extra}


def messages(sink: Sink) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(e.content, policy=email.policy.default) for e in sink.envelopes]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()  # returns once the server answers
    yield controller, sink
    controller.stop()
