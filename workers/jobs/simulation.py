"""Simulation runs (see ``services.simulation``): one item, the task; the learning curves are
stored with the run."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services import simulation
from store.models import Run
from workers.context import settings
from workers.jobs import Heartbeat


class SimulationJob:
    kind = simulation.SIMULATION_RUN

    def prepare(self, session: Session, run: Run) -> list[int]:
        return [run.params["task_id"]]

    def process(self, session: Session, run: Run, item_ids: list[int],
                heartbeat: Heartbeat) -> None:
        heartbeat(progress=0.05, stage="replaying the reference labels")

        def step(done: int, total: int) -> None:
            heartbeat(progress=0.05 + 0.9 * done / total,
                      stage=f"replaying the reference labels: refit {done} of {total}")

        run.metrics = simulation.run_simulation(session=session, run=run,
                                                vector_folder=settings().vector_cache_dir,
                                                on_step=step)

    def finish(self, session: Session, run: Run) -> dict[str, Any]:
        return dict(run.metrics or {})

    def failed(self, session: Session, run: Run) -> None:
        pass

    def succeeded(self, session: Session, run: Run) -> list[Run]:
        return []
