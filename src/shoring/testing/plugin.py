"""pytest plugin (registered as the `shoring` entry point): the `shoring_migrator` fixture."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--shoring-database", metavar="URL", default=None,
                     help="shoring fixtures: the server to make throwaway databases on (default: SHORING_TEST_DATABASE, "
                          "else the project's configured database's server)")
    parser.addini("shoring_max_risk", "shoring.testing.checks: the highest planned risk a migration may have (low, medium, high)",
                  default="medium")
    parser.addini("shoring_since", "shoring.testing.checks: lint and plan only migrations newer than this version", default="")


@pytest.fixture
def shoring_migrator(request: pytest.FixtureRequest):
    """A `shoring.testing.Migrator` on a fresh, empty database; dropped after the test."""
    from shoring.errors import ShoringError
    from shoring.testing.migrator import migrator

    database = request.config.getoption("--shoring-database") or os.environ.get("SHORING_TEST_DATABASE")
    try:
        scratch = migrator(request.config.rootpath, database)
        m = scratch.__enter__()
    except ShoringError as exc:  # no database configured, server unreachable: one line, not a traceback
        pytest.fail(f"shoring_migrator: {exc.message}", pytrace=False)
    try:
        yield m
    finally:
        scratch.__exit__(None, None, None)
