"""Ready-made tests for a project's migrations, turned on with one line in any test module:

    from shoring.testing.checks import *  # noqa: F401,F403

pytest-alembic's built-in tests are the model: every migration applies, rolls back and applies again
on an empty database; the history is one line; lint finds no error; no migration's planned risk is
above `shoring_max_risk` (pytest ini option: low, medium or high; default medium). `shoring_since =
VERSION` limits lint and plan to newer migrations (the old ones already ran in production).
Import single tests by name to pick some.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = [
    "test_shoring_migrations_round_trip",
    "test_shoring_history_is_linear",
    "test_shoring_lint_has_no_errors",
    "test_shoring_plan_risk_is_acceptable",
]

RISKS = ("low", "medium", "high")


def _settings(request: pytest.FixtureRequest):
    from shoring.config import load_settings

    return load_settings(cwd=request.config.rootpath)


def _migrations(request: pytest.FixtureRequest, *, since: bool = False) -> list:
    from shoring.migrations import load_migrations
    from shoring.migrations.discovery import version_key

    found = list(load_migrations(_settings(request).migrations_dir))
    start = request.config.getini("shoring_since") if since else ""
    return [m for m in found if not start or version_key(m.version) > version_key(start)]


def test_shoring_migrations_round_trip(shoring_migrator, request):
    """One at a time, oldest first: up; down brings the schema back exactly; up again works (pytest-alembic's
    up/down consistency). A migration with no down on this engine is applied, and said, not rolled back."""
    from shoring import verify

    db = shoring_migrator
    migrations = _migrations(request)
    if not migrations:
        pytest.skip("no migrations yet")
    engine = db.engine.dialect
    one_way = []
    for mig in migrations:
        before = db.schema()
        assert db.migrate(to=mig.version) == [mig.version], f"{mig.label}: apply ran something else"
        if not mig.reversible_on(engine):
            one_way.append(mig.label)
            continue
        assert db.rollback() == [mig.version], f"{mig.label}: rollback ran something else"
        changed = verify.diff(before, db.schema())
        assert not changed, f"{mig.label}: its down left the schema different from before its up:\n{changed.text()}"
        assert db.migrate(to=mig.version) == [mig.version], f"{mig.label}: could not be applied again after its rollback"
    if one_way:
        db.log.append(f"not rolled back (no down on {engine}): {', '.join(one_way)}")


def test_shoring_history_is_linear(request):
    """One line of migrations: unique versions, dependencies on earlier versions only (loading checks
    both), and every contract after the expand it finishes (pytest-alembic's single head)."""
    expanded: dict[tuple, str] = {}
    problems = []
    for mig in _migrations(request):
        if mig.kind != "operations":
            continue
        for _, op in mig.operations():
            if op.expands is not None:
                expanded[op.expands] = mig.label
            if op.contracts is not None and op.contracts not in expanded:
                problems.append(f"{mig.label}: {op.describe()} has no expand before it")
    assert not problems, "\n".join(problems)


def _shoring(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shoring", *args], cwd=root, capture_output=True, text=True, check=False)


def test_shoring_lint_has_no_errors(request):
    """`shoring lint` with the project's own settings: no error-level finding."""
    files = [str(m.path) for m in _migrations(request, since=True)]
    if not files:
        pytest.skip("no migrations to lint")
    done = _shoring(request.config.rootpath, "lint", "--format", "json", *files)
    if done.returncode not in (0, 1):
        pytest.fail(done.stderr.strip() or done.stdout.strip(), pytrace=False)
    errors = [f for f in json.loads(done.stdout)["findings"] if f["severity"] == "error"]
    assert not errors, "lint errors:\n" + "\n".join(f"{f['file']}:{f['line']} {f['rule']} {f['message']}" for f in errors)


def test_shoring_plan_risk_is_acceptable(request):
    """`shoring plan` for the engine of the configured database, without reading it: no migration's
    risk above the `shoring_max_risk` ini option."""
    from shoring.config import parse_duration
    from shoring.engines.url import parse_url
    from shoring.plan.builder import PlanOptions, build_plan

    limit = request.config.getini("shoring_max_risk") or "medium"
    if limit not in RISKS:
        pytest.fail(f"shoring_max_risk must be one of {', '.join(RISKS)}, not {limit!r}", pytrace=False)
    migrations = _migrations(request, since=True)
    if not migrations:
        pytest.skip("no migrations to plan")
    settings = _settings(request)
    section = settings.section("plan")
    engine = parse_url(settings.database_url).engine if settings.database_url else section.get("engine") or "postgresql"
    options = PlanOptions(
        engine=engine, server_version=section.get("server_version"), root=settings.root, backup=settings.section("backup"),
        hooks=settings.section("hooks"), lock_timeout=parse_duration(settings.lock_timeout, "lock_timeout"),
        statement_timeout=parse_duration(settings.statement_timeout, "statement_timeout"), lint=False, calibrate=False,
        history_table=settings.history_table, known_migrations={m.version: m for m in _migrations(request)},
    )
    plan = build_plan(migrations, options)
    too_risky = [m for m in plan.migrations if RISKS.index(m.risk) > RISKS.index(limit)]
    assert not too_risky, f"risk above {limit}:\n" + "\n".join(
        f"{m.version} {m.name}: {m.risk} ({'; '.join(r.text for r in m.reasons if r.level == m.risk)})" for m in too_risky)
