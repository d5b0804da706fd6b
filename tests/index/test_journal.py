"""The library journal: intents written before a corpus change, closed by the build that
holds it, and the drift between the corpus folder and what the index was built from."""

from __future__ import annotations

import json
import os

import pytest

from app.index.journal import Journal, corpus_drift

pytestmark = pytest.mark.unit


def test_an_intent_is_durable_and_stays_open_until_finished(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    journal = Journal(tmp_path / "index" / "journal.jsonl")
    intent = journal.begin("upload", "parks.txt", "abc")
    assert synced, "the intent was not fsynced before begin() returned"
    reopened = Journal(tmp_path / "index" / "journal.jsonl")  # as after a restart
    assert [(i.op, i.file, i.sha256) for i in reopened.pending()] == [
        ("upload", "parks.txt", "abc")
    ]
    reopened.finish(intent.intent_id)
    assert journal.pending() == []


def test_a_line_torn_by_a_crash_is_skipped_and_not_glued_to_the_next(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    first = journal.begin("delete", "old.txt")
    with journal.path.open("a", encoding="utf-8") as out:
        out.write('{"intent": "torn", "op": "upl')  # the process died mid-write
    journal.begin("upload", "new.txt")
    assert [i.file for i in journal.pending()] == ["old.txt", "new.txt"]
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["file"] == "new.txt"
    journal.finish(first.intent_id)
    assert [i.file for i in journal.pending()] == ["new.txt"]


def test_a_newer_change_of_a_file_supersedes_the_open_one(tmp_path):
    journal = Journal(tmp_path / "journal.jsonl")
    journal.begin("delete", "parks.txt")
    journal.begin("upload", "parks.txt", "abc")
    assert [(i.op, i.file) for i in journal.pending()] == [("upload", "parks.txt")]


def test_a_build_closes_only_the_changes_it_holds(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kept.txt").write_text("徐汇", encoding="utf-8")
    journal = Journal(tmp_path / "journal.jsonl")
    journal.begin("upload", "kept.txt", "sha-read")
    journal.begin("upload", "other.txt", "sha-new")  # the build read older bytes of it
    journal.begin("delete", "gone.txt")
    journal.begin("delete", "still.txt")  # the build still read it
    journal.begin("upload", "never.txt", "sha-lost")  # not in the corpus, not read
    sources = {
        "kept.txt": {"sha256": "sha-read", "bytes": 6},
        "other.txt": {"sha256": "sha-old", "bytes": 9},
        "still.txt": {"sha256": "x", "bytes": 1},
    }
    closed = journal.settle(sources, corpus)
    assert sorted(i.file for i in closed) == ["gone.txt", "kept.txt"]
    assert sorted(i.file for i in journal.pending()) == ["other.txt", "still.txt"]


def test_drift_names_files_not_indexed_gone_or_changed(tmp_path):
    (tmp_path / "new.txt").write_text("徐汇新", encoding="utf-8")
    (tmp_path / "same.txt").write_text("徐汇", encoding="utf-8")
    (tmp_path / "grown.txt").write_text("徐汇区更长了", encoding="utf-8")
    sources = {
        "same.txt": {"sha256": "a", "bytes": 6},
        "grown.txt": {"sha256": "b", "bytes": 6},
        "gone.txt": {"sha256": "c", "bytes": 3},
    }
    assert corpus_drift(tmp_path, sources) == [
        "gone.txt is in the index but gone from the corpus",
        "grown.txt changed since it was indexed",
        "new.txt is in the corpus but not in the index",
    ]
    assert corpus_drift(tmp_path, None) == []  # a build from before sources were kept
