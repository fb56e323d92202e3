"""Starter code for a task's heuristics, filled in with the task's labels and embeddings."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from heuristics.keywords import distinctive_keyword
from store.embeddings import list_embeddings
from store.lookup_lists import list_lookup_lists
from store.models import EmbeddingLevel, LabelingTask, TaskKind
from store.record_detail import attribute_texts
from store.reference import reference_labels
from store.tasks import text_attribute_name

CLASSIFICATION_LF = '''import re

# {why}
PATTERN = re.compile(r"{keyword}", re.IGNORECASE)


def lf(record):
    """Vote {label!r} when the text matches, else abstain (None)."""
    if PATTERN.search(str(record["{attribute}"])):
        return "{label}"
    return None
'''
KEYWORD_SAMPLE = 2_000
"""Labelled records a starter keyword is looked for in (the newest ones)."""

EXTRACTION_LF = '''WORDS = {{"{example}"}}


def lf(record):
    """Yield (label, start_token, end_token) for each known word."""
    for i, token in enumerate(record.tokens("{attribute}")):
        if token.text in WORDS:
            yield "{label}", i, i + 1
'''

LOOKUP_LF = '''import re

from knowledge import {name}  # the project's lookup list {name!r}

# its terms as lower-case words, matched anywhere in the text
TERMS = {{" ".join(re.findall(r"\\w+", term.lower())) for term in {name}}}
LONGEST = max((len(term.split()) for term in TERMS), default=1)


def lf(record):
    """Vote {label!r} when the text holds a term of {name} (any case), else abstain (None)."""
    words = re.findall(r"\\w+", str(record["{attribute}"]).lower())
    for n in range(1, LONGEST + 1):
        if any(" ".join(words[i:i + n]) in TERMS for i in range(len(words) - n + 1)):
            return "{label}"
    return None
'''

LOOKUP_EXTRACTION_LF = '''from knowledge import {name}  # the project's lookup list {name!r}

# its terms as tuples of words, matched token by token
TERMS = {{tuple(term.split()) for term in {name}}}
LONGEST = max((len(words) for words in TERMS), default=1)


def lf(record):
    """Yield ({label!r}, start_token, end_token) for each term of {name}, the longest first."""
    words = [token.text for token in record.tokens("{attribute}")]
    i = 0
    while i < len(words):
        for n in range(min(LONGEST, len(words) - i), 0, -1):
            if tuple(words[i:i + n]) in TERMS:
                yield "{label}", i, i + n
                i += n
                break
        else:
            i += 1
'''

CLASSIFIER = '''from sklearn.linear_model import LogisticRegression

from heuristics import LearningClassifier, params_fit, params_inference


class {name}(LearningClassifier):
    def __init__(self):
        self.model = LogisticRegression(max_iter=1000)

    @params_fit(embedding_name="{embedding}", train_test_split=0.5)
    def fit(self, embeddings, labels):
        self.fit_model(embeddings, labels)

    @params_inference(min_confidence=0.7, label_names=None)
    def predict_proba(self, embeddings):
        return self.predict_proba_model(embeddings)
'''

EXTRACTOR = '''from sequencelearn.sequence_tagger import CRFTagger

from heuristics import LearningExtractor, params_fit, params_inference


class {name}(LearningExtractor):
    def __init__(self):
        self.model = CRFTagger()

    # tokens: the words of each record; the CRF adds capitalisation, shape, affix and word
    # features of each token and its neighbours to the (uncased) embeddings. Drop the
    # tokens parameters (and tokens=...) to fit on the embeddings alone.
    @params_fit(embedding_name="{embedding}", train_test_split=0.5)
    def fit(self, embeddings, labels, tokens):
        self.fit_model(embeddings, labels, tokens=tokens)

    @params_inference(min_confidence=0.7, label_names=None)
    def predict_proba(self, embeddings, tokens):
        return self.predict_proba_model(embeddings, tokens=tokens)
'''


def _class_name(task: LabelingTask) -> str:
    words = "".join(part.capitalize() for part in task.name.replace("-", " ").split()
                    if part.isidentifier() or part.isalnum())
    return f"{words or 'Task'}Learner"


def _keyword_rule(session: Session, task: LabelingTask, attribute: str) -> dict[str, str]:
    """What the starter keyword rule matches and votes: the word that best signals a label
    in the task's reference labels (classification), else a placeholder to edit."""
    label = task.labels[0].name if task.labels else "LABEL"
    placeholder = {"keyword": r"\bexample\b", "label": label,
                   "why": f"Edit the pattern: words that signal {label!r}."}
    if task.kind is not TaskKind.CLASSIFICATION:
        return placeholder
    references = reference_labels(session=session, task=task)
    chosen = sorted(references)[-KEYWORD_SAMPLE:]
    texts = attribute_texts(session=session, record_ids=chosen, attribute=attribute)
    found = distinctive_keyword([texts.get(rid, "") for rid in chosen],
                                [references[rid] for rid in chosen])
    if found is None:
        return placeholder
    return {"keyword": rf"\b{re.escape(found.word)}\b", "label": found.label,
            "why": (f"{found.word!r} is in {found.support} labelled records, "
                    f"{found.precision:.0%} of them {found.label!r}.")}


def for_task(*, session: Session, task: LabelingTask) -> list[tuple[str, str, str]]:
    """(kind, name, source) starters: a keyword labeling function, one that looks up each of
    the project's lookup lists, and a learner per embedding."""
    extraction = task.kind is TaskKind.EXTRACTION
    attribute = text_attribute_name(session=session, task=task)
    if extraction:
        label = task.labels[0].name if task.labels else "LABEL"
        rule = EXTRACTION_LF.format(label=label, attribute=attribute, example="London")
    else:
        rule = CLASSIFICATION_LF.format(attribute=attribute,
                                        **_keyword_rule(session, task, attribute))
    starters = [("labeling_function", "keyword labeling function", rule)]
    label = task.labels[0].name if task.labels else "LABEL"
    for listed in list_lookup_lists(session=session, project_id=task.project_id):
        starters.append(("labeling_function", f"lookup of {listed.name}",
                         (LOOKUP_EXTRACTION_LF if extraction else LOOKUP_LF).format(
                             name=listed.name, label=label, attribute=attribute)))
    level = EmbeddingLevel.TOKEN if extraction else EmbeddingLevel.RECORD
    names = [e.name for e in list_embeddings(session=session, project=task.project)
             if e.level is level] or [f"{attribute}-all-MiniLM-L6-v2"
                                      + ("-token" if extraction else "")]
    for embedding in names:
        starters.append(("active_learner", f"learner on {embedding}",
                         (EXTRACTOR if extraction else CLASSIFIER).format(
                             name=_class_name(task), embedding=embedding)))
    return starters
