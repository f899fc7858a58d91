"""Linting in several processes gives exactly the serial run's findings, on every engine.

The corpus is every rule's bad and good example, one migration history: later files alter tables
that earlier ones (in other processes' slices) created, so the catalog handed from slice to slice
decides many findings.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from shoring.lint import linter
from shoring.lint.linter import LintOptions, collect_files, lint_files
from shoring.lint.registry import all_rules

from .conftest import PROJECT_RUNNER, split_files

ENGINES = ("postgresql", "mysql", "sqlite")


def write_corpus(folder: Path, engine: str) -> list[Path]:
    n = 0
    for rule in all_rules():
        example = rule.examples.get(engine)
        if example is None:
            continue
        for which, text in (("bad", example.bad), ("good", example.good)):
            for name, body in split_files(text):
                n += 1
                suffix = Path(name).suffix or ".sql"
                (folder / f"{n:05d}_{rule.id.replace('-', '_')}_{which}{suffix}").write_text(body, encoding="utf-8")
    # files from other tools, one that cannot be read, one statement the parser rejects, a suppression
    (folder / "V900__plain.sql").write_text("ALTER TABLE users ADD COLUMN plain_note text;\n", encoding="utf-8")
    (folder / "U900__plain.sql").write_text("ALTER TABLE users DROP COLUMN plain_note;\n", encoding="utf-8")
    (folder / "00001_broken.sql").write_text("-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", encoding="utf-8")
    (folder / f"{n + 1:05d}_typo.sql").write_text(
        "-- migrate:up\n-- shoring:ignore drop-column still read by nobody\nALTER TABLE users DROP COLUMN plain_note;\n"
        "ALTER TABLE users ADD COLUMN;\n", encoding="utf-8")
    return collect_files([folder], LintOptions(engine=engine, root=folder))


def lint(files: list[Path], engine: str, folder: Path, jobs: int):
    options = LintOptions(engine=engine, root=folder, runner_settings=PROJECT_RUNNER, jobs=jobs)
    result = lint_files(files, options)
    return [f.to_dict() for f in result.findings], result.statements


@pytest.fixture
def forking(monkeypatch):
    """Fails the test if a parallel run fell back to linting serially."""
    if threading.active_count() > 1:
        pytest.skip("this test process has other threads: lint does not fork here")
    runs = []
    real = linter._lint_parallel

    def checked(*args):
        out = real(*args)
        runs.append(out is not None)
        return out

    monkeypatch.setattr(linter, "_lint_parallel", checked)
    return runs


@pytest.mark.parametrize("engine", ENGINES)
def test_parallel_equals_serial(engine, tmp_path, forking):
    files = write_corpus(tmp_path, engine)
    serial = lint(files, engine, tmp_path, jobs=1)
    assert len(serial[0]) > 50
    for jobs in (2, 3, 7):
        assert lint(files, engine, tmp_path, jobs) == serial, f"{jobs} processes"
    assert forking == [True, True, True]


def test_the_catalog_passed_between_processes_matters(tmp_path, forking, monkeypatch):
    """Without the replayed catalog the slices would lint differently: the test above has teeth."""
    files = write_corpus(tmp_path, "postgresql")
    serial = lint(files, "postgresql", tmp_path, jobs=1)
    monkeypatch.setattr(linter, "replay", lambda statements, engine, catalog: None)
    assert lint(files, "postgresql", tmp_path, jobs=3) != serial


def test_a_failing_worker_means_the_serial_run_and_its_error(tmp_path, forking, monkeypatch):
    files = write_corpus(tmp_path, "postgresql")
    last = next(p for p in files if p.name.endswith("_typo.sql"))  # in the last slice
    real = linter._analyse

    def failing(path, *args, **kwargs):
        if path == last:
            raise RuntimeError("a bug in a rule")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(linter, "_analyse", failing)
    with pytest.raises(RuntimeError, match="a bug in a rule"):
        lint(files, "postgresql", tmp_path, jobs=3)
    assert forking == [False]


def test_a_worker_that_dies_means_the_serial_run(tmp_path, forking, monkeypatch):
    files = write_corpus(tmp_path, "postgresql")
    serial = lint(files, "postgresql", tmp_path, jobs=1)
    parent, last = os.getpid(), next(p for p in files if p.name.endswith("_typo.sql"))
    real = linter._analyse

    def dying(path, *args, **kwargs):
        if path == last and os.getpid() != parent:
            os._exit(3)  # killed, say: no exception, no word to the parent
        return real(path, *args, **kwargs)

    monkeypatch.setattr(linter, "_analyse", dying)
    assert lint(files, "postgresql", tmp_path, jobs=3) == serial
    assert forking == [False]


def test_errors_surface_in_file_order(tmp_path, forking, monkeypatch):
    """A process parses its whole slice before linting it; the serial run's first error still wins."""
    files = write_corpus(tmp_path, "postgresql")
    first, later = files[1], files[5]  # both in this process's slice: linting the first fails, reading the later one
    analyse, read = linter._analyse, linter._read

    def failing_analyse(path, *args, **kwargs):
        if path == first:
            raise RuntimeError("first")
        return analyse(path, *args, **kwargs)

    def failing_read(path, engine, *rest):
        if path == later:
            raise RuntimeError("later")
        return read(path, engine, *rest)

    monkeypatch.setattr(linter, "_analyse", failing_analyse)
    monkeypatch.setattr(linter, "_read", failing_read)
    with pytest.raises(RuntimeError, match="first"):
        lint(files, "postgresql", tmp_path, jobs=3)
    assert forking == [False]
