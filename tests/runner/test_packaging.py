"""What a user installing shoring from an index, or packaging it, expects to find (issue 15)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from support import run_cli

ROOT = Path(__file__).resolve().parents[2]


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_package_metadata_says_what_it_is():
    meta = project()
    assert {"Programming Language :: Python :: 3.11", "Topic :: Database", "Typing :: Typed",
            "License :: OSI Approved :: MIT License"} <= set(meta["classifiers"])
    assert "urls" not in meta  # no public home yet: no address is better than an invented one
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert (ROOT / "src" / "shoring" / "py.typed").is_file()  # the wheel carries it with the package


def test_libraries_whose_internals_are_read_have_an_upper_bound():
    bounded = {}
    for requirement in project()["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        bounded[name] = "<" in requirement
    assert bounded["sqlglot"] and bounded["pglast"]


def test_init_keeps_local_state_and_the_sqlite_run_lock_out_of_git(tmp_path):
    assert run_cli(tmp_path, ["init"]).code == 0
    ignored = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".shoring/" in ignored and "*.shoring-lock" in ignored
