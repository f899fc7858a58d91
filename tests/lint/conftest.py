"""Lint tests need no database: files in a temporary folder and the CLI run in-process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import Result, run_cli

#: What a project gets from `shoring init`: the runner sets lock_timeout itself. The example tests also
#: assume a statement_timeout is configured, as the docs recommend.
PROJECT_RUNNER = {"lock_timeout": True, "statement_timeout": True}


def split_files(text: str, default: str = "20240101000000_example.sql") -> list[tuple[str, str]]:
    """An example is one file, or several each starting with a `-- file: NAME` line."""
    parts = re.split(r"^-- file: (\S+)\n", text, flags=re.M)
    if len(parts) == 1:
        return [(default, text)]
    return list(zip(parts[1::2], parts[2::2]))


def lint_text(tmp_path: Path, text: str, engine: str = "postgresql", server_version: str | None = None,
              runner: dict | None = None, exclude=()) -> list:
    from shoring.lint.linter import LintOptions, collect_files, lint_files

    folder = tmp_path / f"lint_{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for name, body in split_files(text):
        (folder / name).write_text(body, encoding="utf-8")
    options = LintOptions(engine=engine, server_version=server_version, root=folder,
                          runner_settings=PROJECT_RUNNER if runner is None else runner, exclude=frozenset(exclude))
    return lint_files(collect_files([folder], options), options).findings


def rules_of(findings) -> list[str]:
    return [f.rule for f in findings]


class LintProject:
    """A project folder (shoring.toml + migrations/) to run `shoring lint` in."""

    def __init__(self, root: Path, database: str | None = "postgresql://app@localhost/app", extra: str = ""):
        self.root = root
        self.migrations = root / "migrations"
        self.migrations.mkdir(parents=True, exist_ok=True)
        config = (f'database = "{database}"\n' if database else "") + extra
        (root / "shoring.toml").write_text(config, encoding="utf-8")

    def write(self, name: str, text: str, folder: Path | None = None) -> Path:
        path = (folder or self.migrations) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, env: dict | None = None) -> Result:
        """The CLI in-process; DATABASE_URL is hidden so only this project's config counts."""
        return run_cli(self.root, args, env, unset=("DATABASE_URL",))


@pytest.fixture
def lint_project(tmp_path: Path) -> LintProject:
    return LintProject(tmp_path / "project")
