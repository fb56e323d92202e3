"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file, polled briskly.

kombu polls virtual transports once a second when idle; a run hands work from task to
task, so the embedded broker polls every 0.1 s (a cheap query on a local file). kombu's
channel keeps a session that its reads leave in a transaction and never closes it: a closed
channel's connection went back to the pool only when the garbage collector found it, and a
process that opened channels faster (a worker's sweeper counts the waiting messages every
few seconds) ran the pool dry. Closing a channel here closes its session. kombu also keeps
its engines for the life of the process: a worker's pool process forked later (to replace
one that died) would share the parent's pooled SQLite connections, which SQLite forbids, so
a forked child drops them and opens its own.
"""

from __future__ import annotations

import os
from functools import partial

from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import create_engine, event

POLLING_INTERVAL_S = 0.1


class EmbeddedChannel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self):
        engine = create_engine(self.connection.client.hostname,
                               connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _wal)
        os.register_at_fork(after_in_child=partial(engine.dispose, close=False))
        return engine

    def close(self) -> None:
        if self._session is not None:
            self._session.close()   # its connection back to the pool
            self._session = None
        super().close()


def _wal(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class EmbeddedTransport(kombu_sqlalchemy.Transport):
    Channel = EmbeddedChannel
    polling_interval = POLLING_INTERVAL_S


TRANSPORT = f"{__name__}:EmbeddedTransport"
