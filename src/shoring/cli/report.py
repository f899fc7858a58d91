"""report: one self-contained HTML page of a run, from its run log."""

from __future__ import annotations

import click

from shoring.cli.common import settings_from


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: nearest shoring.toml).")
@click.argument("run", required=False)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Where to write the page (default: beside the run log).")
@click.option("--list", "list_runs", is_flag=True, help="List the runs that have a log.")
def report(config_path, run, output, list_runs):
    """Write the HTML page of RUN (default: the latest run): timeline, throughput and lock-wait plots, the
    pre-migration checklist, the plan and what the run said. Works offline; nothing is fetched."""
    from pathlib import Path

    from shoring.errors import ConfigError
    from shoring.runner.runlog import list_runs as runs_of, read_run, runs_dir

    settings = settings_from(None, None, None, config_path)
    runs = runs_of(settings.root)
    if list_runs:
        for path in runs:
            events = read_run(path)
            end = events[-1] if events and events[-1]["kind"] == "run_end" else {}
            click.echo(f"  {path.stem}  {events[0].get('command', '?') if events else '?':<9} "
                       f"{end.get('outcome', 'cut off'):<12} {float(events[-1]['t']) if events else 0:.1f}s")
        return
    if not runs:
        raise ConfigError(f"no run logs in {runs_dir(settings.root)} yet: apply and rollback write one")
    if run:
        chosen = [p for p in runs if p.stem == run] or [p for p in runs if p.stem.startswith(run)]
        if len(chosen) != 1:
            raise ConfigError(f"{'no' if not chosen else 'more than one'} run log matches {run!r} (`shoring report --list`)")
        path = chosen[0]
    else:
        path = runs[-1]
    try:
        from shoring.report.run_page import render
    except ImportError:
        raise ConfigError("shoring report draws with matplotlib: pip install 'shoring[report]'") from None
    page = render(read_run(path), path.stem)
    target = Path(output) if output else path.with_suffix(".html")
    target.write_text(page, encoding="utf-8")
    click.echo(str(target))
