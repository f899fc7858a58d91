"""`shoring fleet apply|status|plan --targets targets.toml`: one migrations folder over many databases."""

from __future__ import annotations

import sys

import click

from shoring.cli.common import echo_json, format_option, settings_from


def fleet_options(func):
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: nearest shoring.toml).")(func)
    func = click.option("--migrations", "migrations_dir", type=click.Path(file_okay=False), help="Migrations folder.")(func)
    func = click.option("--parallelism", "-p", type=click.IntRange(min=1), help="Targets at once per wave (beats the targets file).")(func)
    func = click.option("--targets", "targets_path", type=click.Path(dir_okay=False), default="targets.toml", show_default=True,
                        help="The fleet: [[targets]] name/database/replicas, canary, parallelism.")(func)
    return func


def _load(targets_path, migrations_dir, config_path):
    from shoring.fleet.targets import load_fleet

    settings = settings_from(None, None, migrations_dir, config_path)
    return settings, load_fleet(targets_path)


@click.group()
def fleet():
    """One migrations folder over many databases: a canary first, then waves in parallel."""


@fleet.command("apply")
@fleet_options
@click.option("--to", "to", metavar="VERSION", help="Apply up to and including this version.")
@click.option("--no-backup", is_flag=True, help="Skip the [backup] configured in shoring.toml.")
@format_option("text", "json")
def fleet_apply(targets_path, parallelism, migrations_dir, config_path, to, no_backup, fmt):
    """Apply to the canary, then to the rest in waves of --parallelism; stop after the first wave with a
    failure (or whose replicas do not catch up). Every target's state is reported; run it again to go on."""
    from shoring.fleet.rollout import rollout

    settings, fleet_ = _load(targets_path, migrations_dir, config_path)
    if not settings.migrations_dir.is_dir():
        click.echo(f"warning: no migrations folder at {settings.migrations_dir}", err=True)
    say = (lambda s: click.echo(s, err=True)) if fmt == "json" else click.echo
    result = rollout(settings, fleet_, parallelism=parallelism, to=to, backup=not no_backup, say=say)
    if fmt == "json":
        echo_json(result.as_dict())
    else:
        _table(result.states, outcome=True)
        click.echo(f"halted: {result.halted}" if result.halted else "every target is up to date" if result.ok else "done")
    if not result.ok:
        sys.exit(1)


@fleet.command("status")
@fleet_options
@format_option("text", "json")
def fleet_status(targets_path, parallelism, migrations_dir, config_path, fmt):
    """Every target's state, read from its own history: up to date, pending, failed (and where), unreachable."""
    from shoring.fleet.rollout import read_states

    settings, fleet_ = _load(targets_path, migrations_dir, config_path)
    states = read_states(settings, fleet_, parallelism or fleet_.parallelism)
    if fmt == "json":
        echo_json({"targets": [s.as_dict() for s in states]})
        return
    _table(states)
    counts: dict[str, int] = {}
    for s in states:
        counts[s.state] = counts.get(s.state, 0) + 1
    click.echo(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()))


@fleet.command("plan")
@fleet_options
@click.option("--to", "to", metavar="VERSION", help="Plan up to and including this version.")
@format_option("text", "json")
def fleet_plan(targets_path, parallelism, migrations_dir, config_path, to, fmt):
    """The rollout order (canary, waves) and what apply would run on each target; nothing is changed."""
    from shoring.fleet.rollout import plan_fleet

    settings, fleet_ = _load(targets_path, migrations_dir, config_path)
    rows = plan_fleet(settings, fleet_, parallelism=parallelism, to=to)
    if fmt == "json":
        echo_json({"targets": rows})
        return
    from rich.table import Table

    table = Table("wave", "target", "database", "would apply", box=None, pad_edge=False)
    for r in rows:
        what = r["error"] and f"unreachable: {r['error']}" or (", ".join(r["pending"]) or "nothing")
        table.add_row(r["wave"], r["name"], r["database"], what)
    _print(table)


def _table(states, outcome: bool = False) -> None:
    from rich.table import Table

    columns = ["target", "database", "state", "applied", "pending", "head", "detail"] + (["this run"] if outcome else [])
    table = Table(*columns, box=None, pad_edge=False)
    for s in states:
        detail = s.failed or s.error or ""
        row = [s.name, s.database, s.state.replace("_", " "), str(s.applied), str(s.pending), s.head or "-", detail]
        table.add_row(*row, *([s.outcome or ""] if outcome else []))
    _print(table)


def _print(table) -> None:
    from rich.console import Console

    Console(file=sys.stdout, width=200, no_color=True, highlight=False).print(table)
