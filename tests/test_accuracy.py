"""Accuracy floors (not timings): synthetic and real lead sheets, and the labelled header corpus."""

from __future__ import annotations

import pytest

from bench import corpus, leadsheets


def test_synthetic_lead_sheet_accuracy() -> None:
    """On 300 seeded messy lead sheets, headers and columns are found at least 98% of the time."""
    m = leadsheets.measure(300, seed=11)
    assert m["header"] >= 0.98 and m["fields"] >= 0.98, m
    assert m["header"] > m["row0"] * 2


@pytest.mark.skipif(not (corpus.CORPUS / "labels.json").exists(), reason="header corpus not beside the project")
def test_header_corpus_accuracy() -> None:
    """On the labelled real-world corpus, the exact header row is found at least 90% of the time."""
    tables = corpus.load()
    ours = corpus.evaluate(corpus.ours, tables)
    row0 = corpus.evaluate(lambda g: 0, tables)
    assert ours["exact"] >= 0.90 and ours["exact"] > 3 * row0["exact"], ours["confusion"]


@pytest.mark.skipif(not (leadsheets.LEADS / "labels.json").exists(), reason="lead corpus not beside the project")
def test_real_lead_sheet_accuracy() -> None:
    """On the labelled real lead sheets: header row >= 98% exact, core-field F1 >= 0.95, all-field F1 >= 0.90, above the naive baseline."""
    tables = leadsheets.load_real()
    ours = leadsheets.score(tables, leadsheets.ours)
    naive = leadsheets.score(tables, leadsheets.naive_keywords)
    assert ours["header"] >= 0.98 and ours["core"] >= 0.95 and ours["all"] >= 0.90, ours["misses"]
    assert ours["core"] > naive["core"] and ours["all"] > naive["all"]
