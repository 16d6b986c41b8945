"""An instance: its settings, database and secret, as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from microcred.clock import Clock, system_clock
from microcred.services.secrets import instance_key
from microcred.settings import Settings
from microcred.store.db import (
    StoreError,
    make_engine,
    migrate,
    private_directory,
    read_transaction,
    session_factory,
)
from microcred.verify.status import StatusListMemo
from microcred.verify.token_status import StatusTokenMemo

# StoreError and private_directory are re-exported for the adapters (they never import store).
__all__ = ["Instance", "StoreError", "private_directory"]


@dataclass
class Instance:
    settings: Settings
    # The adapter that builds the instance chooses its clock; services read the time only
    # through now() (or a now= from their caller), never from the system themselves.
    clock: Clock = system_clock

    def now(self) -> datetime:
        """The current time on this instance's clock (timezone-aware, UTC)."""
        return self.clock()

    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.database_url)
        migrate(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    @cached_property
    def secret(self) -> bytes:
        return instance_key(self.settings.secret_key, self.settings.secret_key_file)

    @cached_property
    def status_lists(self) -> StatusListMemo:
        """Status lists whose proof this instance's verifiers checked; shared by the contexts
        its services build (an outcome is keyed by the verifier's settings, so never lent
        to a verifier with another allow-list, documents or trust)."""
        return StatusListMemo()

    @cached_property
    def status_tokens(self) -> StatusTokenMemo:
        """IETF Status List Tokens whose signature this instance's verifiers checked
        (keyed by the token and the key that verified it)."""
        return StatusTokenMemo()

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def check_database(self) -> None:
        """Run one query (a read: on SQLite it takes no lock, so a busy writer never makes
        the instance look dead); raises when the database does not answer."""
        with read_transaction(self.sessions) as session:
            session.execute(text("SELECT 1"))

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
