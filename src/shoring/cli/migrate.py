"""apply, complete, abort, rollback, status, history, baseline, repair."""

from __future__ import annotations

import sys

import click

from shoring.migrations.discovery import version_key

from shoring.cli.common import (
    database_options,
    echo_json,
    echo_table,
    format_option,
    known_version,
    say_err,
    settings_from,
)
from shoring.errors import EXIT_FAILED, ShoringError
from shoring.runner.session import open_session


def _say(fmt: str = "text"):
    # progress goes to stderr when stdout carries JSON
    return say_err if fmt == "json" else click.echo


def _shown(settings, command: str, fmt: str, dry_run: bool):
    """A run shows itself live and keeps a run log; a dry run only prints."""
    if dry_run:
        from contextlib import nullcontext

        return nullcontext(_say(fmt))
    from shoring.cli.common import live_run

    return live_run(settings, command, fmt)


@click.command()
@database_options
@click.option("--to", "to", metavar="VERSION", help="Apply up to and including this version.")
@click.option("--dry-run", is_flag=True, help="Show what would run; change nothing.")
@click.option("--no-backup", is_flag=True, help="Skip the [backup] configured in shoring.toml.")
@click.option("--window", metavar="HH:MM-HH:MM", help="The maintenance window (beats [preflight] window).")
@click.option("--yes", is_flag=True, help="Go on when a blocking preflight item fails, without asking (CI).")
@click.option("--complete", "complete_all", is_flag=True,
              help="Run each expand's contract right after it, instead of stopping there (development).")
@format_option("text", "json")
def apply(database, environment, migrations_dir, config_path, to, dry_run, no_backup, window, yes, complete_all, fmt):
    """Apply pending migrations in version order, each in its own transaction where the engine allows."""
    from shoring.runner.apply import apply as run_apply, plan_apply

    settings = settings_from(database, environment, migrations_dir, config_path)
    with _shown(settings, "apply", fmt, dry_run) as say, \
            open_session(settings, say, read_only=dry_run, fast_commits=True) as session:
        to = known_version(session, to)
        _refuse_unknown_database(session)
        if dry_run:
            plan = plan_apply(session, session.history.rows(), to, stop_at_expand=not complete_all)
            for w in plan.warnings:
                say_err(f"warning: {w}")
            from shoring.runner import preflight as checks

            session.migrations.validate(session.engine.dialect, "up", plan.todo)
            checklist = checks.build(session, plan.todo, window)
            data = {
                "dry_run": True,
                "engine": session.engine.name,
                "database": session.engine.url.masked(),
                "migrations": [_dry_run_entry(session, m) for m in plan.todo],
                "checklist": checklist.to_dict(),
                "stops_after_expand": plan.stops_after.version if plan.stops_after else None,
            }
            if fmt == "json":
                echo_json(data)
            else:
                if not plan.todo:
                    click.echo("Nothing to apply: the database is up to date.")
                for entry in data["migrations"]:
                    mode = "transaction" if entry["transactional"] else "statement by statement"
                    what = "Python up(ctx)" if entry["kind"] == "python" else f"{len(entry['statements'])} statement(s)"
                    click.echo(f"would apply {entry['version']} {entry['name']} ({mode}, {what})")
                    for st in entry["statements"]:
                        click.echo(f"  {st['line']:>4}  {' '.join(st['sql'].split())[:110]}")
                for line in checklist.lines() if checklist.items else []:
                    click.echo(line)
                if plan.stops_after is not None:
                    click.echo(f"would stop after {plan.stops_after.version} {plan.stops_after.name}: its expand phase "
                               f"(then `shoring complete {plan.stops_after.version}`); {len(plan.waiting)} later migration(s) wait")
            return
        ask = _ask if sys.stdin.isatty() and fmt == "text" else None
        results = run_apply(session, to=to, backup=not no_backup, window=window, yes=yes, ask=ask, complete=complete_all)
        if fmt == "json":
            from shoring.runner.phases import phases

            now = phases(session)
            echo_json({"applied": [{"version": r.migration.version, "name": r.migration.name, "seconds": round(r.seconds, 6),
                                    "phase": now.get(r.migration.version)} for r in results]})
        elif not results:
            click.echo("Nothing to apply: the database is up to date.")
        else:
            click.echo(f"Applied {len(results)} migration(s) in {sum(r.seconds for r in results):.3f}s.")


def _refuse_unknown_database(session) -> None:
    """A database with tables but no shoring history was made by something else: applying the first
    migration to it would fail, or worse half work. Flyway refuses too and points to baseline.

    The history is read again after the tables: a runner records a migration no later than the tables it
    makes, so a concurrent apply that made both after the first read is seen by the second."""
    if session.history.rows():
        return  # the usual case: one cheap read, no schema snapshot
    from shoring.verify import snapshot

    tables = sorted(snapshot(session.engine, history_table=session.settings.history_table).tables)
    if tables and not session.history.rows():
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise ShoringError(f"{session.engine.url.masked()} already holds tables ({shown}) but no shoring history: "
                           f"adopt it with `shoring baseline VERSION` (the newest migration its schema already has, "
                           f"0 for none), then apply")


def _ask(question: str) -> bool:
    return click.confirm(question, default=False)


def _dry_run_entry(session, mig) -> dict:
    from shoring.runner.execute import uses_transaction

    statements = mig.statements("up", session.engine.dialect)
    return {
        "version": mig.version,
        "name": mig.name,
        "file": str(mig.path),
        "kind": mig.kind,
        "transactional": uses_transaction(session, mig),
        "metadata": mig.metadata.as_dict(),
        "statements": [{"index": s.index, "line": s.line, "sql": s.sql} for s in statements],
    }


@click.command()
@database_options
@click.option("--steps", type=click.IntRange(min=1), default=None, help="How many migrations to roll back (default 1).")
@click.option("--to", "to", metavar="VERSION", help="Roll back everything applied after this version.")
@click.option("--dry-run", is_flag=True, help="Show what would be rolled back; change nothing.")
@click.option("--no-backup", is_flag=True, help="Skip the [backup] configured in shoring.toml.")
@format_option("text", "json")
def rollback(database, environment, migrations_dir, config_path, steps, to, dry_run, no_backup, fmt):
    """Roll back the newest applied migration(s) with their down sections."""
    from shoring.runner.rollback import plan_rollback, rollback as run_rollback

    if steps and to:
        raise click.UsageError("give --steps or --to, not both")
    settings = settings_from(database, environment, migrations_dir, config_path)
    with _shown(settings, "rollback", fmt, dry_run) as say, \
            open_session(settings, say, read_only=dry_run, fast_commits=True) as session:
        to = known_version(session, to, before_first=True)
        if dry_run:
            todo = plan_rollback(session, session.history.rows(), steps=steps, to=to)
            session.migrations.validate(session.engine.dialect, "down", todo)
            entries = [_down_entry(session, m) for m in todo]
            if fmt == "json":
                echo_json({"dry_run": True, "engine": session.engine.name, "database": session.engine.url.masked(),
                           "migrations": entries})
                return
            if not todo:
                click.echo("Nothing to roll back.")
            for entry in entries:
                what = "Python down(ctx)" if entry["kind"] == "python" else f"{len(entry['statements'])} statement(s)"
                click.echo(f"would roll back {entry['version']} {entry['name']} ({what})")
                for st in entry["statements"]:
                    click.echo(f"  {st['line']:>4}  {' '.join(st['sql'].split())[:110]}")
            return
        results = run_rollback(session, steps=steps, to=to, backup=not no_backup)
        if fmt == "json":
            echo_json({"rolled_back": [{"version": r.migration.version, "name": r.migration.name,
                                        "seconds": round(r.seconds, 6)} for r in results]})
        elif not results:
            click.echo("Nothing to roll back.")
        else:
            click.echo(f"Rolled back {len(results)} migration(s).")


def _down_entry(session, mig) -> dict:
    statements = [] if mig.kind == "python" else mig.statements("down", session.engine.dialect)
    return {"version": mig.version, "name": mig.name, "file": str(mig.path), "kind": mig.kind,
            "statements": [{"index": s.index, "line": s.line, "sql": s.sql} for s in statements]}


@click.command()
@database_options
@format_option("text", "json")
def status(database, environment, migrations_dir, config_path, fmt):
    """Show each migration's state: applied, pending, failed (and where), interrupted, edited."""
    from shoring.runner.status import compute_status

    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, read_only=True) as session:
        rows = compute_status(session)
        trouble = _trouble(rows)
        if fmt == "json":
            echo_json({
                "engine": session.engine.name,
                "database": session.engine.url.masked(),
                "history_table": settings.history_table,
                "migrations": [r.as_dict() for r in rows],
                "ok": not trouble,
            })
            if trouble:
                sys.exit(EXIT_FAILED)
            return
        click.echo(f"Database {session.engine.url.masked()} ({session.engine.name} {session.engine.server_version}), history table {settings.history_table}")
        if not rows:
            click.echo(f"No migrations in {settings.migrations_dir}.")
            return
        echo_table(["VERSION", "NAME", "STATE"], [[r.version, r.name, r.describe] for r in rows])
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.state] = counts.get(r.state, 0) + 1
        click.echo("  " + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in counts.items()))
        if trouble:
            click.echo(f"  needs attention: {'; '.join(trouble)}", err=True)
            sys.exit(EXIT_FAILED)


#: What makes `status` exit 1 (as `git status --porcelain` callers and CI expect of a check): states a
#: run left behind and files that no longer match their history. Pending migrations are no trouble.
TROUBLE_STATES = {"failed": "failed", "running": "running", "interrupted": "interrupted"}


def _trouble(rows) -> list[str]:
    out = []
    for r in rows:
        if r.state in TROUBLE_STATES:
            out.append(f"{r.version} {TROUBLE_STATES[r.state]}")
        if r.edited:
            out.append(f"{r.version} edited since applied")
        if r.missing:
            out.append(f"{r.version} file missing")
    return out


@click.command()
@database_options
@click.option("--limit", type=int, default=None, help="Only the newest N events.")
@format_option("text", "json")
def history(database, environment, migrations_dir, config_path, limit, fmt):
    """Show the append-only audit trail: every apply, rollback, failure, repair and baseline."""
    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, read_only=True) as session:
        events = session.history.events(limit)
        from shoring.runner.history import iso_utc

        if fmt == "json":
            for e in events:
                e["at"] = iso_utc(e["at"])
            echo_json({"events": events})
            return
        if not events:
            click.echo("No history yet.")
            return
        echo_table(["AT (UTC)", "EVENT", "VERSION", "TOOK", "BY", "DETAIL"], [
            [str(iso_utc(e["at"], "seconds")), e["event"], e["version"],
             f"{e['duration_ms']}ms" if e["duration_ms"] is not None else "", f"{e['applied_by']}@{e['host']}", e["detail"] or ""]
            for e in events])


@click.command()
@database_options
@click.argument("version")
@format_option("text", "json")
def baseline(database, environment, migrations_dir, config_path, version, fmt):
    """Mark an existing database as being at VERSION: it and all older migrations count as applied."""
    from shoring.runner.repair import baseline as run_baseline

    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, _say(fmt)) as session:
        v = version.split("_", 1)[0]
        if session.migrations.get(v) is None and v.strip("0") != "":  # 0: adopted, none of the files applied
            raise ShoringError(f"no migration file has version {version!r}: baseline names the newest migration the "
                               f"database already has (`shoring status` lists them), or 0 for none of them")
        text = run_baseline(session, v)
        if fmt == "json":
            covered = [m.version for m in session.migrations if version_key(m.version) <= version_key(v)]
            echo_json({"baseline": v, "covered": covered, "message": text})
        else:
            click.echo(text)


@click.command()
@database_options
@click.option("--mark-applied", multiple=True, metavar="VERSION", help="Record VERSION as applied (you finished it by hand).")
@click.option("--mark-pending", multiple=True, metavar="VERSION", help="Forget VERSION's history row (you undid it by hand).")
@click.option("--dry-run", is_flag=True, help="Show what repair would accept, clear and mark; change nothing.")
@format_option("text", "json")
def repair(database, environment, migrations_dir, config_path, mark_applied, mark_pending, dry_run, fmt):
    """Accept edited applied files, clear failed runs that left nothing behind, record manual fixes."""
    from shoring.runner.repair import repair as run_repair

    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, _say(fmt), read_only=dry_run) as session:
        lines = run_repair(session, mark_applied=list(mark_applied), mark_pending=list(mark_pending), dry_run=dry_run)
        if fmt == "json":
            echo_json({"dry_run": dry_run, "repairs": lines})
            return
        if not lines:
            click.echo("Nothing to repair.")
        for line in lines:
            click.echo(("would: " if dry_run else "") + line)


@click.command()
@database_options
@click.argument("version", required=False)
def complete(database, environment, migrations_dir, config_path, version):
    """Run the contract of an expanded migration (all of them without VERSION), once the new code is deployed."""
    from shoring.runner.phases import complete as run_complete

    settings = settings_from(database, environment, migrations_dir, config_path)
    with _shown(settings, "complete", "text", False) as say, open_session(settings, say, fast_commits=True) as session:
        done = run_complete(session, version)
        click.echo(f"Completed {len(done)} migration(s): {', '.join(done)}.")


@click.command()
@database_options
@click.argument("version", required=False)
@click.option("--no-backup", is_flag=True, help="Skip the [backup] configured in shoring.toml.")
def abort(database, environment, migrations_dir, config_path, version, no_backup):
    """Undo an expanded migration: drop its new columns and triggers, leaving the old schema as it was."""
    from shoring.runner.phases import abort as run_abort

    settings = settings_from(database, environment, migrations_dir, config_path)
    with _shown(settings, "abort", "text", False) as say, open_session(settings, say, fast_commits=True) as session:
        done = run_abort(session, version, backup=not no_backup)
        click.echo(f"Aborted {', '.join(done)}: the old schema is back, the expand's columns and triggers are gone.")
