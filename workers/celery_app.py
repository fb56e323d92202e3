"""The Celery application, configured from the settings.

Embedded default: a SQLite-file broker (kombu's SQLAlchemy transport), no server needed.
Cluster: ``HEURIST_BROKER_URL=redis://...`` and ``celery -A workers worker`` anywhere.
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from config import Settings, get_settings
from workers.broker import TRANSPORT
from workers.queue import BULK_QUEUE, QUEUE


def make_celery(settings: Settings) -> Celery:
    url = settings.resolved_broker_url()
    app = Celery("heurist", include=["workers.tasks"])
    if url.startswith("sqla+sqlite"):
        app.conf.broker_url = url.removeprefix("sqla+")
        app.conf.broker_transport = TRANSPORT
    else:
        app.conf.broker_url = url
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        # every worker consumes both queues, in turn (see workers.queue)
        task_queues=[Queue(QUEUE), Queue(BULK_QUEUE)],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_concurrency=settings.worker_concurrency,
        worker_consumer="workers.consumer:QuickReconnectConsumer",
    )
    if url.startswith("redis"):
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
    return app


app = make_celery(get_settings())
