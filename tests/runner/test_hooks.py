"""[hooks]: commands before and after apply/rollback and on failure (notify stakeholders, start monitoring)."""

from __future__ import annotations

import sys

HOOK = '''import os
with open("hook.log", "a") as log:
    log.write(" ".join([os.environ["SHORING_EVENT"], os.environ["SHORING_VERSIONS"],
                        os.environ.get("SHORING_ERROR", "")[:30]]).strip() + "\\n")
'''


def configure(project, **hooks: str) -> None:
    (project.root / "hook.py").write_text(HOOK)
    lines = "\n".join(f'{event} = "{command}"' for event, command in hooks.items())
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\n\n[hooks]\n{lines}\n')


def log(project) -> list[str]:
    path = project.root / "hook.log"
    return path.read_text().splitlines() if path.exists() else []


def test_hooks_run_around_apply_rollback_and_a_failure(sqlite_project):
    hook = f"{sys.executable} hook.py"
    configure(sqlite_project, before_apply=hook, after_apply=hook, before_rollback=hook, after_rollback=hook,
              on_failure=hook)
    sqlite_project.sql("1", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    sqlite_project.sql("2", "b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;")
    assert sqlite_project.run("apply").code == 0
    assert sqlite_project.run("rollback").code == 0
    sqlite_project.sql("3", "bad", "CREATE TABLE c (id INTEGER);\nINSERT INTO nowhere VALUES (1);", "DROP TABLE c;")
    assert sqlite_project.run("apply").code == 1
    assert log(sqlite_project) == [
        "before_apply 1 2", "after_apply 1 2", "before_rollback 2", "after_rollback 2",
        "before_apply 2 3", "on_failure 2 3 3 bad: applying failed at stat",
    ]


def test_a_failing_before_hook_stops_the_apply_before_any_change(sqlite_project):
    configure(sqlite_project, before_apply=f"{sys.executable} -c 'raise SystemExit(\\\"deploy freeze until Monday\\\")'")
    sqlite_project.sql("1", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    result = sqlite_project.run("apply")
    assert result.code == 1
    assert "hook before_apply failed, so nothing was changed" in result.err and "deploy freeze until Monday" in result.err
    assert "a" not in sqlite_project.tables()


def test_a_failing_after_hook_is_said_and_the_migrations_stay_applied(sqlite_project):
    configure(sqlite_project, after_apply=f"{sys.executable} -c 'raise SystemExit(1)'")
    sqlite_project.sql("1", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    result = sqlite_project.run("apply")
    assert result.code == 0 and "warning: hook after_apply failed" in result.out
    assert "a" in sqlite_project.tables()


def test_the_plan_checklist_ticks_notify_when_a_before_apply_hook_does_it(sqlite_project):
    configure(sqlite_project, before_apply=f"{sys.executable} hook.py")
    sqlite_project.sql("1", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    plan = sqlite_project.run("plan", "--format", "markdown").out
    assert "- [x] Notify stakeholders of migration" in plan
