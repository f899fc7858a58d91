"""`shoring new` scaffolds what the configured engine can keep, and an unfilled scaffold is a lint error."""

from __future__ import annotations

from pathlib import Path


def scaffold(project) -> Path:
    result = project.run("new", "create_t1")
    assert result.code == 0, result.err
    return Path(result.out.strip().splitlines()[-1])


def test_a_scaffolded_create_table_passes_its_rehearsal(project):
    path = project.root / scaffold(project)
    text = path.read_text(encoding="utf-8")
    assert ("-- Transaction: true" in text) == (project.engine != "mysql")  # MySQL commits DDL at once
    text = text.replace("-- migrate:up\n", "-- migrate:up\nCREATE TABLE t1 (id int);\n")
    path.write_text(text.replace("-- migrate:down\n", "-- migrate:down\nDROP TABLE t1;\n"), encoding="utf-8")
    result = project.run("test")
    assert result.code == 0, result.out + result.err


def test_an_unfilled_scaffold_is_a_lint_error(project):
    scaffold(project)
    result = project.run("lint", "--format", "json")
    found = [f for f in result.json["findings"] if f["rule"] == "empty-up-section"]
    assert [f["severity"] for f in found] == ["error"]
    assert result.code == 1
    operations = project.run("new", "more", "--operations")
    assert operations.code == 0
    again = project.run("lint", "--format", "json")
    assert len([f for f in again.json["findings"] if f["rule"] == "empty-up-section"]) == 2
