from __future__ import annotations

from api.deps import SessionDep, ViewableProject
from api.routing import Router
from api.schemas.heuristics import (
    HeuristicVote,
    OutputPublic,
    RecordVotesPublic,
    output_public,
)
from services import heuristic_runs
from store import heuristic_lookups
from store.manual_labels import get_record
from store.tasks import get_task
from store.votes import vote_filter

router = Router(prefix="/projects/{project_id}", tags=["heuristics"])


@router.get("/records/{record_id}/votes", response_model=RecordVotesPublic)
def read_record_votes(record_id: int, task_id: int, project: ViewableProject,
                      session: SessionDep) -> RecordVotesPublic:
    """What the task's heuristics say about one record, and its weak label."""
    record = get_record(session=session, project=project, record_id=record_id)
    task = get_task(session=session, project=project, task_id=task_id)
    labels = {label.id: label.name for label in task.labels}
    target = task.target_attribute
    text = str(record.data.get(target.name) or "") if target is not None else None
    votes: list[HeuristicVote] = []
    for heuristic in heuristic_runs.list_heuristics(session=session, project=project,
                                                task_id=task.id):
        run = heuristic_lookups.latest_run(session=session, heuristic=heuristic)
        if run is None:
            continue
        accepts = vote_filter(heuristic, heuristic_lookups.current_revision(heuristic)).accepts
        for output in heuristic_runs.outputs_on_record(session=session, run=run,
                                                   record_id=record.id):
            public = output_public(output, labels, text, accepts(output.label_id,
                                                                 output.confidence))
            votes.append(HeuristicVote(**public.model_dump(), heuristic_id=heuristic.id,
                                       heuristic=heuristic.name))
    weak_run = heuristic_lookups.latest_weak_supervision(session=session, task=task)
    weak: list[OutputPublic] = [] if weak_run is None else [
        output_public(output, labels, text)
        for output in heuristic_runs.outputs_on_record(session=session, run=weak_run,
                                                   record_id=record.id)]
    return RecordVotesPublic(votes=votes, weak_labels=weak,
                             weak_run_id=weak_run.id if weak_run else None)
