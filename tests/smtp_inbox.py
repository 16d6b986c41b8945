"""A real SMTP server on loopback for the mail tests (aiosmtpd), and what it received."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from microcred.settings import SmtpSettings
from tests.live_server import free_port


@dataclass
class Inbox:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(found)  # type: ignore[arg-type]
        return "250 OK"

    @property
    def smtp(self) -> SmtpSettings:
        """The settings that send mail to this inbox (plain SMTP on loopback)."""
        return SmtpSettings(host=self.host, port=self.port, security="none")

    def to(self, address: str, timeout: float = 10.0) -> EmailMessage:
        """The last message to ``address`` (waiting up to ``timeout`` seconds for one)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [m for m in self.messages if address in str(m["To"])]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail to {address}: {[m['To'] for m in self.messages]}")
            time.sleep(0.05)

    def link(self, address: str, path: str) -> str:
        """The first link to ``path`` in the last message to ``address``."""
        body = self.to(address).get_content()
        found = re.search(r"https?://\S*" + re.escape(path) + r"\S*", body)
        assert found, body
        return found.group(0)


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
