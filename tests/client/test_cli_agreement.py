"""Inter-annotator agreement of a task through the SDK (sync and async) and ``heurist tasks
agreement``: two annotators label overlapping records and disagree once; the overall value is
Krippendorff's alpha worked out by hand; gold labels are counted apart; names print as
written, never read as markup."""

from __future__ import annotations

import asyncio
import json

import pytest

from client import AsyncHeurist
from client.models import Agreement
from client.sdk import Heurist
from tests.workers.conftest import Stack

BOB = "bob [ops]"   # a name that markup would eat
LABELS = {  # record: (ann's label, bob's label); None: not labelled
    "r0": ("spam", "spam"), "r1": ("ham", "ham"), "r2": ("spam", "ham"), "r3": ("ham", None),
    "r4": (None, None)}
# Krippendorff's alpha, nominal, over r0-r2 (the records both labelled; two values each, so
# each ordered pair of a record's values adds 1 / (2 - 1) = 1 to the coincidence matrix o):
#   r0 (spam, spam): o[spam][spam] += 2;  r1 (ham, ham): o[ham][ham] += 2;
#   r2 (spam, ham): o[spam][ham] += 1, o[ham][spam] += 1.
# n_spam = 2 + 1 = 3, n_ham = 2 + 1 = 3, n = 6; sum over c != k of o_ck = 2, of n_c n_k = 18:
#   alpha = 1 - (n - 1) * 2 / 18 = 1 - 5 * 2 / 18 = 8 / 18 = 0.444... (unreliable).
ALPHA = 1 - (6 - 1) * (1 + 1) / (3 * 3 + 3 * 3)
# Cohen's kappa of the pair on r0-r2: observed 2/3 the same; ann gives spam 2/3 of the time,
# bob 1/3: chance (2/3)(1/3) + (1/3)(2/3) = 4/9; kappa = (2/3 - 4/9) / (1 - 4/9) = 0.4.
KAPPA = (2 / 3 - 4 / 9) / (1 - 4 / 9)


def member(stack: Stack, project: int, name: str) -> Heurist:
    return Heurist(key=stack.member(project, name, "annotator"))


def labelled(stack: Stack, sdk: Heurist) -> tuple[int, int]:
    """A project with a task "spam" (ham, spam) that ann and bob label as LABELS says, and a
    gold label "spam" on r2: the project's and the task's ids."""
    project = stack.project_with_texts(["buy now", "see you", "cheap pills?", "hello", "hi"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    with member(stack, project, "ann") as ann, member(stack, project, BOB) as bob:
        for external, given in LABELS.items():
            for client, label in zip((ann, bob), given, strict=True):
                if label is not None:
                    client.manual_labels.create(project, records[external], task_id=task.id,
                                                label=label)
    sdk.manual_labels.create_many(project, [(records["r2"], "spam")], task_id=task.id,
                                  is_gold=True)
    return project, task.id


def test_the_sdk_gives_alpha_pairs_labels_and_confusions(served: Stack, sdk: Heurist):
    project, task_id = labelled(served, sdk)
    found = sdk.tasks.agreement(project, task_id)
    assert isinstance(found, Agreement)
    assert (found.task_id, found.kind, found.metric) == (
        task_id, "classification", "krippendorff_alpha")
    assert found.value == pytest.approx(ALPHA) and found.value == pytest.approx(4 / 9)
    assert (found.reading, found.note) == ("unreliable", None)
    assert (found.records, found.labelled_records) == (3, 4), "r0-r2 by both; r3 by ann only"

    by_name = {one.name: one for one in found.annotators}
    assert set(by_name) == {"ann", BOB}, "the gold label's author is no annotator"
    ann, bob = by_name["ann"], by_name[BOB]
    assert (ann.records, ann.shared, bob.records, bob.shared) == (4, 3, 3, 3)
    assert ann.agreement == pytest.approx(2 / 3) and bob.agreement == pytest.approx(2 / 3)
    assert (ann.gold_records, ann.gold_agreement) == (1, pytest.approx(1.0))   # r2: spam
    assert (bob.gold_records, bob.gold_agreement) == (1, pytest.approx(0.0))

    [pair] = found.pairs
    assert (pair.a, pair.b, pair.records) == ("ann", BOB, 3)
    assert pair.agreement == pytest.approx(2 / 3) and pair.kappa == pytest.approx(KAPPA)
    # each label given 3 times on r0-r2; of those, the other annotator gave it too twice
    assert [(row.label, row.count, row.alpha) for row in found.labels] == [
        ("ham", 3, None), ("spam", 3, None)]
    assert [row.agreement for row in found.labels] == [pytest.approx(2 / 3)] * 2
    assert [(c.a, c.b, c.count) for c in found.confusions] == [("ham", "spam", 1)]

    async def from_async() -> Agreement:
        async with AsyncHeurist() as hc:
            return await hc.tasks.agreement(project, task_id)

    assert asyncio.run(from_async()) == found


def test_the_sdk_says_why_there_is_no_value(served: Stack, sdk: Heurist):
    project = served.project_with_texts(["buy now", "see you"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    sdk.manual_labels.create(project, records["r0"], task_id=task.id, label="spam")
    alone = sdk.tasks.agreement(project, task.id)
    assert (alone.value, alone.reading, alone.records, alone.labelled_records) == (
        None, None, 0, 1)
    assert alone.note == "No record has labels of two annotators yet."
    assert alone.pairs == [] and alone.confusions == []


def test_cli_prints_the_value_and_the_tables(served: Stack, sdk: Heurist, heurist):
    project, task_id = labelled(served, sdk)
    where = ("-p", str(project))
    shown = heurist("tasks", "agreement", *where, "spam")
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == (f"Krippendorff's alpha {ALPHA:.3f} (unreliable) on 3 records labelled "
                        "by two annotators or more, of 4 labelled")
    assert lines[0].split()[2] == "0.444"
    found = [line.split() for line in lines]
    assert ["annotator", "records", "shared", "agreement", "gold", "gold", "agreement"] in found
    assert ["ann", "4", "3", "0.667", "1", "1.000"] in found
    assert ["bob", "[ops]", "3", "3", "0.667", "1", "0.000"] in found, shown.out
    assert ["a", "b", "records", "agreement", "kappa"] in found
    assert ["ann", "bob", "[ops]", "3", "0.667", "0.400"] in found
    assert ["label", "count", "agreement"] in found
    assert ["ham", "3", "0.667"] in found and ["spam", "3", "0.667"] in found
    assert ["confusions"] in found and ["label", "other", "label", "records"] in found
    assert ["ham", "spam", "1"] in found
    assert heurist("tasks", "agreement", *where, str(task_id)).out == shown.out

    as_json = heurist("--json", "tasks", "agreement", *where, "spam")
    assert as_json.code == 0, as_json.err
    assert json.loads(as_json.out) == sdk.tasks.agreement(project, task_id).model_dump(
        mode="json")
    unknown = heurist("tasks", "agreement", *where, "eggs")
    assert unknown.code == 3 and "no task 'eggs'" in unknown.err


def test_cli_prints_the_note_without_a_value(served: Stack, sdk: Heurist, heurist):
    project = served.project_with_texts(["buy now", "see you"])
    task = sdk.tasks.create(project, "spam", labels=["ham", "spam"])
    records = {r.external_id: r.id for r in sdk.projects.iter_records(project)}
    sdk.manual_labels.create(project, records["r0"], task_id=task.id, label="spam")
    shown = heurist("tasks", "agreement", "-p", str(project), "spam")
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[:2] == [
        "Krippendorff's alpha - on 0 records labelled by two annotators or more, of 1 labelled",
        "No record has labels of two annotators yet."]
    assert "pairs of annotators" not in shown.out
    assert ["admin", "1", "0", "-", "0", "-"] in [line.split() for line in shown.out.splitlines()]
