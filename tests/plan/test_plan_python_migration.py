"""A Python migration is planned the way the runner will run it."""

from __future__ import annotations


def test_python_migration_runs_in_a_transaction_where_the_engine_allows(project):
    project.write("1_seed.py", '"""Purpose: seed"""\n\ndef up(ctx):\n    ctx.execute("SELECT 1")\n')
    plan = project.run("plan", "--format", "json", "--no-calibrate")
    assert plan.code == 0, plan.err
    [mig] = plan.json["migrations"]
    dry = project.run("apply", "--dry-run", "--format", "json").json["migrations"][0]
    assert mig["transactional"] is dry["transactional"] is (project.engine != "mysql")
