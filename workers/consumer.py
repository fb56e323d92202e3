"""The workers' broker consumer: after a broker outage it tries again every
:data:`RECONNECT_MAX_S` seconds at most, however long the outage lasted.

Celery's own consumer backs off 2, 4, 6 ... up to 30 s between attempts, so a worker could
take 30 s to notice that a long outage had ended.
"""

from __future__ import annotations

from celery.worker.consumer import Consumer

RECONNECT_FIRST_S = 1.0
RECONNECT_MAX_S = 2.0


class QuickReconnectConsumer(Consumer):
    """Celery's consumer with short, bounded waits between connection attempts."""

    def ensure_connected(self, conn):
        ensure = conn.ensure_connection

        def ensure_quickly(*args, **options):
            options |= {"interval_start": RECONNECT_FIRST_S, "interval_step": RECONNECT_FIRST_S,
                        "interval_max": RECONNECT_MAX_S}
            return ensure(*args, **options)

        conn.ensure_connection = ensure_quickly
        return super().ensure_connected(conn)
