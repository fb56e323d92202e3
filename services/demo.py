"""The demo projects: YouTube spam comments (classification) and a CoNLL-2003 sample (NER),
each with what a user would have made by then: manual labels, a lookup list, labeling
functions kept current, and for the comments a computed attribute one of them reads.

Read from the shared datasets folder when it exists, else from the small fixtures shipped
in ``services/fixtures``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formats.types import AttributeType
from heuristics.model_catalog import ModelCatalog
from services import out_of_date
from services.annotation import create_manual_labels
from services.comments import add_comment
from services.computed_attributes import create_computed_attribute
from services.dispatch import RunDispatcher
from services.heuristic_runs import create_heuristic
from services.importing import import_conll, import_records
from services.projects import create_project
from services.tasks import create_task
from services.templates import LOOKUP_EXTRACTION_LF, LOOKUP_LF
from store.auth import get_or_create_user
from store.embeddings import create_embedding
from store.lookup_lists import create_lookup_list
from store.manual_labels import LabelItem
from store.models import EmbeddingLevel, LabelingTask, Project, Record, TaskKind, User

FIXTURES = Path(__file__).parent / "fixtures"
YOUTUBE_PROJECT = "YouTube spam (demo)"
CONLL_PROJECT = "CoNLL-2003 NER (demo)"
SEEDED_LABELS = 40
CONLL_SENTENCES = 300
SPAM_PHRASES = ["check out", "subscribe", "my channel", "free", "giveaway", "visit"]
"""The YouTube demo's lookup list ``spam_phrases``, typed as a user would."""
N_LINKS = r'''import re

LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly)\b", re.IGNORECASE)


def ac(record):
    """How many links the comment holds."""
    return len(LINK.findall(record["text"]))
'''
"""The YouTube demo's computed attribute ``n_links``."""
HAS_LINK = '''def lf(record):
    """Vote 'spam' for a comment with a link (the computed attribute n_links)."""
    return "spam" if record["n_links"] else None
'''


YOUTUBE_GUIDELINES = """\
Is the comment spam? Judge what the comment does, not its tone or its spelling.

spam: it promotes something unrelated to the video: a channel, a product, a giveaway, a
link to follow, "check out my ...", "subscribe to ...".
ham: a reaction to the video or the song, a question, a joke, praise or insults, even
written in capitals or full of emoji.

Borderline: asking for likes on one's own comment is spam; mentioning another video of the
same artist is ham. The collection's own rules: https://archive.ics.uci.edu/dataset/380/youtube+spam+collection
"""
LINK_TO_THE_SAME_VIDEO = "z13uwn2heqndtr5g304ccv5j5kqqzxjadmc0k"
"""A ham comment whose only link points into the video itself (in the data and the
fixture alike): the demo annotator asks about it."""
DEMO_QUESTION = ("This one has a link, so \"has a link\" votes spam, but the link only points "
                 "at 2:19 of this very video. Ham, right?")
YOUTUBE_LABELS = {
    "ham": "A reaction to the video or the song, however rude or loud.",
    "spam": "Promotes something unrelated: a channel, a product, a link, a giveaway.",
}
CONLL_GUIDELINES = """\
Mark the names of people, organisations, places and other named things, as CoNLL-2003 does.
A span covers the whole name ("European Union", not "Union"); titles ("Mr", "President") stay
outside; nationalities and events are MISC. The task's definition:
https://www.clips.uantwerpen.be/conll2003/ner/
"""
CONLL_LABELS = {
    "PER": "A person: \"Phil Simmons\", \"Clinton\".",
    "ORG": "An organisation, a club, a company: \"Leicestershire\", \"EU\".",
    "LOC": "A place: a country, a city, a region: \"Germany\", \"London\".",
    "MISC": "Any other name: nationalities, events, languages: \"German\", \"Euro 96\".",
}


def _youtube_rows(datasets_dir: Path) -> Iterator[dict]:
    files = sorted((datasets_dir / "youtube").glob("Youtube0*.csv"))
    if not files:
        files = [FIXTURES / "youtube_sample.csv"]
    seen: set[str] = set()
    for path in files:
        video = path.stem.split("-")[-1] if "-" in path.stem else ""
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["COMMENT_ID"] in seen:
                    continue
                seen.add(row["COMMENT_ID"])
                yield {"comment_id": row["COMMENT_ID"], "author": row["AUTHOR"],
                       "date": row["DATE"], "video": row.get("VIDEO") or video,
                       "text": row["CONTENT"], "CLASS": row["CLASS"]}


def _conll_sample(datasets_dir: Path) -> bytes:
    path = datasets_dir / "conll2003" / "dev.txt"
    if not path.exists():
        return (FIXTURES / "conll_sample.txt").read_bytes()
    with path.open(encoding="utf-8") as handle:
        return "".join(first_sentences(handle, CONLL_SENTENCES)).encode()


def first_sentences(lines: Iterator[str], count: int) -> list[str]:
    """The lines of a CoNLL file up to the end of its ``count``-th sentence."""
    kept, sentences, in_sentence = [], 0, False
    for line in lines:
        kept.append(line)
        if line.strip() and not line.startswith("-DOCSTART-"):
            in_sentence = True
        elif not line.strip() and in_sentence:
            sentences, in_sentence = sentences + 1, False
            if sentences == count:
                break
    return kept


def load_youtube_demo(*, session: Session, owner: User, datasets_dir: Path,
                      queue: RunDispatcher) -> Project:
    """Import the comments, a spam/ham task and manual labels on the first few dozen, a
    lookup list, the computed attribute ``n_links`` (its run queued) and two labeling
    functions that read them, kept current."""
    rows = list(_youtube_rows(datasets_dir))
    payload = "".join(json.dumps({k: v for k, v in row.items() if k != "CLASS"}) + "\n"
                      for row in rows).encode()
    project = create_project(session=session, name=YOUTUBE_PROJECT, owner=owner,
                             description="Comments on five music videos (UCI YouTube Spam "
                                         "Collection, CC BY 4.0): is a comment spam?")
    import_records(session=session, project=project, fmt="jsonl", id_column="comment_id",
                   open_stream=lambda: io.BytesIO(payload))
    task = create_task(session=session, project=project, name="spam",
                       kind=TaskKind.CLASSIFICATION, labels=["ham", "spam"])
    annotator = get_or_create_user(session=session, name="demo-annotator")
    records = {r.external_id: r for r in session.scalars(
        select(Record).where(Record.project_id == project.id))}
    # Through the service, as labels from the UI: the task's stored references, counts
    # and statistics follow them.
    create_manual_labels(session=session, task=task, items=[
        LabelItem(record=records[row["comment_id"]], annotator=annotator,
                  label_name="spam" if row["CLASS"] == "1" else "ham")
        for row in rows[::len(rows) // SEEDED_LABELS][:SEEDED_LABELS]])
    create_lookup_list(session=session, project=project, name="spam_phrases",
                       description="phrases of self-promotion", terms=SPAM_PHRASES)
    create_heuristic(session=session, task=task, name="spam phrase", source=LOOKUP_LF.format(
        name="spam_phrases", label="spam", attribute="text"))
    create_heuristic(session=session, task=task, name="has a link", source=HAS_LINK)
    task.auto_run = True
    task.guidelines = YOUTUBE_GUIDELINES
    for label in task.labels:
        label.description = YOUTUBE_LABELS[label.name]
    create_computed_attribute(session=session, project=project, name="n_links",
                              data_type=AttributeType.INTEGER, source=N_LINKS, queue=queue)
    if (asked := records.get(LINK_TO_THE_SAME_VIDEO)) is not None:
        add_comment(session=session, record=asked, author=annotator,
                    text=f"@{owner.name} {DEMO_QUESTION}")   # the owner's first notification
    return project


def load_conll_demo(*, session: Session, owner: User, datasets_dir: Path) -> Project:
    """A few hundred CoNLL-2003 sentences with their entity spans as manual labels, the list
    of places marked so far (following the label LOC) and a labeling function that looks
    them up, kept current."""
    project = create_project(session=session, name=CONLL_PROJECT, owner=owner,
                             description="CoNLL-2003 English NER sentences (PER, ORG, LOC, "
                                         "MISC), tags imported as manual spans.")
    result = import_conll(session=session, project=project,
                          stream=io.BytesIO(_conll_sample(datasets_dir)),
                          text_attribute="text", task_name="ner", annotator="conll-2003")
    ner = session.get(LabelingTask, result.task_id)
    create_lookup_list(session=session, project=project, name="places",
                       description="every LOC span marked so far",
                       follows=next(label for label in ner.labels if label.name == "LOC"))
    create_heuristic(session=session, task=ner, name="known place",
                     source=LOOKUP_EXTRACTION_LF.format(name="places", label="LOC",
                                                        attribute="text"))
    ner.auto_run = True
    ner.guidelines = CONLL_GUIDELINES
    for label in ner.labels:
        label.description = CONLL_LABELS.get(label.name, "")
    return project


def _start(session: Session, projects: list[Project], queue: RunDispatcher) -> None:
    """Queue the embeddings the demo's learners use (record vectors of the comments, token
    vectors of the sentences; bundled MiniLM) and the runs of the functions kept current
    (one that reads ``n_links`` waits for its run)."""
    levels = {YOUTUBE_PROJECT: EmbeddingLevel.RECORD, CONLL_PROJECT: EmbeddingLevel.TOKEN}
    for project in projects:
        embedding_run = create_embedding(session=session, project=project, attribute="text",
                                         level=levels[project.name], models=ModelCatalog())[1]
        queue.enqueue_run(embedding_run.id, kind=embedding_run.kind)
        out_of_date.keep_current(session=session, project=project, queue=queue)


def load_demo(*, session: Session, owner: User, datasets_dir: Path,
              queue: RunDispatcher) -> list[Project]:
    """Create the demo projects unless projects exist already, their first runs handed to
    ``queue``; returns what it created."""
    if session.scalar(select(func.count()).select_from(Project)):
        return []
    projects = [load_youtube_demo(session=session, owner=owner, datasets_dir=datasets_dir,
                                  queue=queue),
                load_conll_demo(session=session, owner=owner, datasets_dir=datasets_dir)]
    _start(session, projects, queue)
    return projects
