"""The lint cache: an unchanged tree re-lints from it with the same output; any change to what the
verdict depends on lints again; a broken entry is ignored."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import LintProject

CREATE = "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n\n-- migrate:down\nDROP TABLE accounts;\n"
INDEX = ("-- migrate:up\nCREATE INDEX idx_accounts_email ON accounts (email);\n\n"
         "-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS idx_accounts_email;\n")
MYSQL_ALTER = "-- migrate:up\nALTER TABLE accounts MODIFY email varchar(200);\n\n-- migrate:down\nSELECT 1;\n"


def entries(project: LintProject) -> list[Path]:
    folder = project.root / ".shoring" / "cache" / "lint"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def lints_again(project: LintProject, *args: str) -> bool:
    """Whether this run linted (wrote a new entry) rather than answering from the cache."""
    before = {p.name for p in entries(project)}
    project.run("lint", *args)
    return {p.name for p in entries(project)} != before


@pytest.fixture
def project(lint_project: LintProject) -> LintProject:
    lint_project.write("20240101000000_accounts.sql", CREATE)
    lint_project.write("20240102000000_index.sql", INDEX)
    return lint_project


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_unchanged_tree_relints_from_the_cache_with_identical_output(project: LintProject, fmt: str):
    first = project.run("lint", "--format", fmt, "--no-color")
    assert first.code == 1, first.out
    assert len(entries(project)) == 1
    second = project.run("lint", "--format", fmt, "--no-color")
    assert (second.code, second.out) == (first.code, first.out)
    assert len(entries(project)) == 1
    uncached = project.run("lint", "--format", fmt, "--no-color", "--no-cache")
    assert (uncached.code, uncached.out) == (first.code, first.out)


def test_a_hit_does_not_lint(project: LintProject, monkeypatch):
    project.run("lint")
    from shoring.lint import linter

    def refuse(*_a, **_k):
        raise AssertionError("linted although the tree did not change")

    monkeypatch.setattr(linter, "lint_files", refuse)
    r = project.run("lint", "--format", "json")
    assert r.code == 1 and any(f["rule"] == "create-index-without-concurrently" for f in r.json["findings"])


def test_changing_a_file_relints_it(project: LintProject):
    assert project.run("lint").code == 1
    project.write("20240102000000_index.sql", INDEX.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
    r = project.run("lint", "--format", "json")
    assert "create-index-without-concurrently" not in {f["rule"] for f in r.json["findings"]}


def test_changing_an_earlier_file_relints_the_later_ones(lint_project: LintProject):
    """The later file's verdict depends on the earlier one: the old type of the column it changes."""
    lint_project.write("20240101000000_accounts.sql", CREATE)
    lint_project.write("20240102000000_type.sql", "-- migrate:up\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(10);\n")

    def type_change() -> str:
        r = lint_project.run("lint", "--format", "json")
        return next(f["message"] for f in r.json["findings"] if f["rule"] == "column-type-change")

    assert "from text to varchar(10)" in type_change()
    lint_project.write("20240101000000_accounts.sql", CREATE.replace("accounts", "people"))
    assert "shoring cannot see" in type_change()  # the later, unchanged file: linted again, not served
    lint_project.write("20240101000000_accounts.sql", CREATE)
    assert "from text to varchar(10)" in type_change()


def test_config_engine_and_server_version_are_part_of_the_key(project: LintProject):
    project.run("lint")
    assert not lints_again(project)
    (project.root / "shoring.toml").write_text('database = "postgresql://app@localhost/app"\nlock_timeout = "2s"\n')
    assert lints_again(project)
    assert lints_again(project, "--server-version", "13")
    assert not lints_again(project, "--server-version", "13")
    assert lints_again(project, "--engine", "mysql")


def test_the_mariadb_verdict_follows_the_server_version(lint_project: LintProject):
    """One file, two server versions, two different verdicts: neither is served for the other."""
    lint_project.write("20240101000000_accounts.sql", CREATE.replace("bigint PRIMARY KEY", "int PRIMARY KEY")
                       .replace("email text", "email varchar(100)"))
    lint_project.write("20240102000000_widen.sql", MYSQL_ALTER)
    a = lint_project.run("lint", "--engine", "mysql", "--server-version", "10.11-mariadb", "--format", "json", "--no-cache")
    b = lint_project.run("lint", "--engine", "mysql", "--server-version", "5.6", "--format", "json", "--no-cache")
    for args, expected in ((("10.11-mariadb",), a), (("5.6",), b), (("10.11-mariadb",), a), (("5.6",), b)):
        r = lint_project.run("lint", "--engine", "mysql", "--server-version", args[0], "--format", "json")
        assert r.json == expected.json


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "key": "other"}', b'{"format": 1}', b"[1, 2]",
                                    b"\xff\xfe\x00"])
def test_a_corrupt_entry_is_ignored_and_rewritten(project: LintProject, damage: bytes):
    first = project.run("lint", "--format", "json")
    (entry,) = entries(project)
    entry.write_bytes(damage if b"key" not in damage else damage.replace(b"other", entry.stem.encode())[:-1] + b', "findings": 3}')
    again = project.run("lint", "--format", "json")
    assert (again.code, again.json) == (first.code, first.json), again.out
    assert json.loads(entry.read_text())["key"] == entry.stem


def test_an_unwritable_cache_folder_is_no_error(project: LintProject):
    (project.root / ".shoring").write_text("not a folder")
    r = project.run("lint")
    assert r.code == 1 and "create-index-without-concurrently" in r.out


def test_shoring_cache_dir_moves_the_cache(project: LintProject, tmp_path: Path):
    project.run("lint", env={"SHORING_CACHE_DIR": str(tmp_path / "elsewhere")})
    assert len(list((tmp_path / "elsewhere" / "lint").glob("*.json"))) == 1
    assert entries(project) == []


# --- --changed-since --------------------------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_changed_since_reports_only_changed_files_with_earlier_ones_building_the_schema(lint_project: LintProject):
    p = lint_project
    git(p.root, "init", "-q", "-b", "main")
    p.write("20240101000000_accounts.sql", CREATE)  # its findings (no header) are not reported below
    p.write("20240102000000_index.sql", INDEX)
    git(p.root, "add", ".")
    git(p.root, "commit", "-q", "-m", "base")
    # changed since main: an edited (staged) file and a new, untracked one
    p.write("20240102000000_index.sql", INDEX.replace("CREATE INDEX", "CREATE UNIQUE INDEX"))
    git(p.root, "add", "migrations/20240102000000_index.sql")
    p.write("20240103000000_type.sql", "-- migrate:up\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(10);\n")
    r = p.run("lint", "--changed-since", "main", "--format", "json")
    files = {f["file"] for f in r.json["findings"]}
    assert files == {"migrations/20240102000000_index.sql", "migrations/20240103000000_type.sql"}, files
    assert r.json["summary"]["files"] == 2
    # the unchanged first file still built the schema: the old type of the column is known
    change = next(f for f in r.json["findings"] if f["rule"] == "column-type-change")
    assert "from text to varchar(10)" in change["message"], change
    full = p.run("lint", "--format", "json")
    assert any(f["file"].endswith("_accounts.sql") for f in full.json["findings"])  # what --changed-since left out
    # nothing changed since HEAD once all is committed
    git(p.root, "add", ".")
    git(p.root, "commit", "-q", "-m", "more")
    clean = p.run("lint", "--changed-since", "HEAD", "--format", "json")
    assert clean.code == 0 and clean.json["findings"] == [] and clean.json["summary"]["files"] == 0


def test_changed_since_an_unknown_ref_is_one_line_and_exit_2(lint_project: LintProject):
    git(lint_project.root, "init", "-q", "-b", "main")
    lint_project.write("20240101000000_accounts.sql", CREATE)
    r = lint_project.run("lint", "--changed-since", "no-such-branch")
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        f"shoring: error: --changed-since: 'no-such-branch' is not a commit of the git repository at {lint_project.root}"]
