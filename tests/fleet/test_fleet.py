"""`shoring fleet` over real databases: 6 PostgreSQL and 4 MariaDB targets, canary first, waves of 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import new_database
from support import run_cli

from shoring.engines import connect

MIGRATIONS = {
    "1_create_items.sql": "-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));\n-- migrate:down\nDROP TABLE items;\n",
    "2_add_note.sql": "-- migrate:up\nALTER TABLE items ADD COLUMN note VARCHAR(50);\n-- migrate:down\nALTER TABLE items DROP COLUMN note;\n",
}


def fleet_project(root: Path, targets: list[tuple[str, str, list[str]]], extra: str = "") -> Path:
    (root / "migrations").mkdir(parents=True)
    for name, text in MIGRATIONS.items():
        (root / "migrations" / name).write_text(text)
    (root / "shoring.toml").write_text("lock_wait = 60\n")
    lines = [extra]
    for name, url, replicas in targets:
        lines += ["[[targets]]", f'name = "{name}"', f'database = "{url}"']
        if replicas:
            lines.append("replicas = [" + ", ".join(f'"{r}"' for r in replicas) + "]")
    (root / "targets.toml").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def ten_databases(tmp_path):
    made = []
    try:
        for i in range(6):
            made.append((f"pg{i}", *new_database("postgresql", tmp_path)))
        for i in range(4):
            made.append((f"my{i}", *new_database("mysql", tmp_path)))
        yield [(name, url) for name, url, _ in made]
    finally:
        for _, _, drop in made:
            drop()


def tables(url: str) -> set[str]:
    with connect(url) as engine:
        return {t for t in ("items", "shoring_migrations") if engine.table_exists(t)}


def first_and_last_event(url: str):
    with connect(url) as engine:
        ats = [r[0] for r in engine.query("SELECT at FROM shoring_migrations_events WHERE event = 'apply' ORDER BY id")]
    return ats[0], ats[-1]


def test_canary_first_a_failure_in_wave_2_halts_the_rest_and_a_rerun_finishes(ten_databases, tmp_path):
    urls = dict(ten_databases)
    root = fleet_project(tmp_path / "app", [(n, u, []) for n, u in ten_databases], "parallelism = 3\n")
    with connect(urls["my0"]) as engine:  # my0 is in wave 2 (canary pg0; pg1-pg3; pg4 pg5 my0; my1-my3)
        engine.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)")

    plan = run_cli(root, ["fleet", "plan", "--format", "json"])
    assert plan.code == 0, plan.err
    assert [(r["name"], r["wave"], r["pending"]) for r in plan.json["targets"]][:2] == [("pg0", "canary", ["1", "2"]), ("pg1", "wave 1", ["1", "2"])]
    assert tables(urls["pg1"]) == set()  # plan changed nothing

    result = run_cli(root, ["fleet", "apply", "--format", "json"])
    assert result.code == 1
    data = result.json
    assert data["waves"] == [["pg0"], ["pg1", "pg2", "pg3"], ["pg4", "pg5", "my0"], ["my1", "my2", "my3"]]
    assert data["halted"].startswith("wave 2 failed on my0")
    by_name = {t["name"]: t for t in data["targets"]}
    for name in ("pg0", "pg1", "pg2", "pg3", "pg4", "pg5"):  # the failed target's wave-mates finished their run
        assert (by_name[name]["state"], by_name[name]["outcome"], by_name[name]["head"]) == ("up_to_date", "applied 2 migration(s)", "2")
    assert by_name["my0"]["state"] == "failed" and by_name["my0"]["failed"].startswith("1 create_items: failed")
    assert by_name["my0"]["outcome"].startswith("failed: ")
    for name in ("my1", "my2", "my3"):
        assert (by_name[name]["state"], by_name[name]["pending"], by_name[name]["outcome"]) == ("pending", 2, "not started")
        assert tables(urls[name]) == set()  # truly untouched
    # the canary finished before wave 1 began
    canary_done = first_and_last_event(urls["pg0"])[1]
    assert all(first_and_last_event(urls[n])[0] >= canary_done for n in ("pg1", "pg2", "pg3"))

    status = run_cli(root, ["fleet", "status"])
    assert status.code == 0
    line = next(ln for ln in status.out.splitlines() if ln.startswith("my0"))
    assert "failed" in line and "1 create_items" in line
    assert "6 up to date, 1 failed, 3 pending" in status.out

    with connect(urls["my0"]) as engine:  # the operator fixes my0, then runs the rollout again
        engine.execute("DROP TABLE items")
    rerun = run_cli(root, ["fleet", "apply"])
    assert rerun.code == 0, rerun.out + rerun.err
    assert "every target is up to date" in rerun.out
    assert rerun.out.index("canary: pg0") < rerun.out.index("pg0: nothing to apply") < rerun.out.index("wave 1:")
    final = run_cli(root, ["fleet", "status", "--format", "json"]).json["targets"]
    assert {t["state"] for t in final} == {"up_to_date"} and all(t["head"] == "2" for t in final)


def test_replicas_are_waited_for_between_waves(tmp_path):
    primary, lagging, other = (f"sqlite:///{tmp_path / n}.db" for n in ("primary", "replica", "other"))
    # a replica that is the primary itself has always caught up; one that never receives anything has not
    root = fleet_project(tmp_path / "ok", [("a", primary, [primary]), ("b", other, [])], "replica_timeout = 0.3\n")
    assert run_cli(root, ["fleet", "apply"]).code == 0
    root = fleet_project(tmp_path / "lag", [("a", f"sqlite:///{tmp_path / 'p2'}.db", [lagging]), ("b", f"sqlite:///{tmp_path / 'o2'}.db", [])],
                         "replica_timeout = 0.3\n")
    result = run_cli(root, ["fleet", "apply", "--format", "json"])
    assert result.code == 1
    assert "after canary, replicas did not catch up within 0.3s: a: sqlite:///" in result.json["halted"]
    assert {t["name"]: t["outcome"] for t in result.json["targets"]} == {"a": "applied 2 migration(s)", "b": "not started"}


def test_a_bad_targets_file_is_one_line_naming_it(tmp_path):
    root = fleet_project(tmp_path / "app", [("a", "sqlite:///a.db", [])])
    (root / "targets.toml").write_text('parallelism = 0\n[[targets]]\nname = "a"\n')
    result = run_cli(root, ["fleet", "status"])
    assert result.code == 2 and result.err.count("\n") == 1
    assert "targets.toml" in result.err and "parallelism must be at least 1" in result.err
    (root / "targets.toml").write_text('[[targets]]\nname = "a"\n')
    result = run_cli(root, ["fleet", "status"])
    assert result.code == 2 and "targets.toml" in result.err and "database" in result.err
