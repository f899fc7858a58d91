"""`shoring lint`, `shoring lint --explain RULE` and `shoring rules`.

pglast, sqlglot and rich are imported inside the commands, never at module import.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from shoring.cli.common import database_options, settings_from
from shoring.errors import ConfigError, ShoringError

ENGINES = ("postgresql", "mysql", "sqlite")
LINT_KEYS = {"exclude", "server_version", "exclude_paths"}
#: MySQL-family default when the URL says mariadb:// and no version is configured.
MARIADB_DEFAULT = "10.11"


def _split_ids(values: tuple[str, ...] | list[str]) -> list[str]:
    return [v.strip() for value in values for v in str(value).split(",") if v.strip()]


def _key_line(path, key: tuple[str, ...]) -> int | None:
    from shoring.config_schema import key_line

    return key_line(path, key)


def _unknown_rule(rule_id: str, what: str) -> ShoringError:
    from shoring.lint.registry import all_rules

    ids = [r.id for r in all_rules()]
    close = difflib.get_close_matches(rule_id, ids, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else " (see `shoring rules`)"
    return ShoringError(f"{what} {rule_id!r} is not a rule{hint}")


def _lint_config(settings) -> dict:
    section = settings.section("lint")
    for key in section:
        if key not in LINT_KEYS:
            close = difflib.get_close_matches(key, sorted(LINT_KEYS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(LINT_KEYS))})"
            raise ConfigError(f"unknown setting lint.{key}{hint}", path=settings.config_file)
    for key in ("exclude", "exclude_paths"):
        value = section.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"lint.{key} must be a list of strings", path=settings.config_file)
        section[key] = value
    sv = section.get("server_version")
    if sv is not None and not isinstance(sv, (str, int, float)):
        raise ConfigError("lint.server_version must be a string such as \"15\" or \"8.0.36\"", path=settings.config_file)
    return section


def _engine_from(settings, engine: str | None) -> tuple[str, str | None]:
    """(engine, the URL's flavour hint) from --engine, else the configured database, else postgresql."""
    if engine:
        return engine, None
    if settings.database_url:
        from shoring.engines.url import parse_url

        url = parse_url(settings.database_url)
        return url.engine, url.scheme
    return "postgresql", None


def _ask_server(url: str) -> str | None:
    """The server's own version, for a mysql:// URL: it may be MySQL or MariaDB, whose DDL differ.
    None (the MySQL default) when the server does not answer within a few seconds: lint works offline."""
    from shoring.engines.url import parse_url
    from shoring.engines import connect

    from dataclasses import replace

    parsed = parse_url(url)
    quick = replace(parsed, query=(*[(k, v) for k, v in parsed.query if k != "connect_timeout"], ("connect_timeout", "3")))
    try:
        with connect(quick) as engine:
            return engine.server_version
    except Exception as exc:  # noqa: BLE001 - any failure: lint goes on with the default, and says so
        click.echo(f"shoring: note: {parsed.masked()} did not answer "
                   f"({' '.join(str(exc).split())[:120]}): linting for MySQL; set [lint] server_version "
                   f"(e.g. \"10.11-mariadb\") to say which", err=True)
        return None


def _read_live(settings, engine_name: str):
    """(catalog of the live schema, server version) from `--database`, read in a read-only session, so
    that facts which depend on the schema (a validated CHECK (c IS NOT NULL), a column's type before
    it changes) are known, not assumed."""
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.plan.live import open_live, read_only_session

    url = parse_url(settings.database_url)
    if url.engine != engine_name:
        raise ShoringError(f"--database is a {url.engine} database but --engine is {engine_name}")
    try:
        with connect(url, read_only=True) as engine:
            read_only_session(engine)
            live = open_live(engine, settings.history_table)
            return live.catalog(), engine.server_version
    except ShoringError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user asked for this database: say why it cannot be read
        raise ShoringError(f"cannot read the schema of {url.masked()}: {' '.join(str(exc).split())[:200]}") from None


def _runner_settings(settings) -> dict[str, bool]:
    """Which timeouts shoring's own runner sets before running a migration of this project."""
    from shoring.config import parse_duration

    out = {}
    for key in ("lock_timeout", "statement_timeout"):
        try:
            value = parse_duration(getattr(settings, key), key)
        except ShoringError:
            value = None
        out[key] = bool(value)
    return out


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@database_options
@click.option("--engine", type=click.Choice(ENGINES), help="SQL dialect and facts to use (default: the configured database's, else postgresql).")
@click.option("--server-version", metavar="VERSION", help="Server version to assume, e.g. 15, 8.0.36, 10.11-mariadb (default: [lint] server_version).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True, help="Output format.")
@click.option("--exclude", "exclude", multiple=True, metavar="RULE[,RULE]", help="Rules to skip (adds to [lint] exclude).")
@click.option("--explain", metavar="RULE", help="Print the documentation of one rule and exit.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: when writing to a terminal).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Processes to lint with (default: one per CPU, at most 8, each with 50 files or more).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Lint every file again, neither reading nor writing the cache (.shoring/cache/lint/).")
@click.option("--changed-since", "changed_since", metavar="REF",
              help="Report only on files changed since git REF (and untracked ones); earlier files still build the schema.")
def lint(paths, database, environment, migrations_dir, config_path, engine, server_version, fmt, exclude, explain, color,
         jobs, no_cache, changed_since):
    """Find migration hazards before they reach production.

    Lints the project's migrations, or the SQL files and folders given: shoring's format and
    plain SQL from other tools (Flyway, dbmate, Alembic --sql), where the whole file is the up
    section. Exit 0 when clean, 1 when any error is found, 2 on bad usage.
    """
    if explain:
        _explain(explain, color)
        return
    # Only the light modules here: a re-lint answered from the cache imports neither the parser, the
    # analysis nor the rules (see _lint_cached).
    from shoring.lint.files import LintOptions, collect_files, gc_paused

    settings = settings_from(database, environment, migrations_dir, config_path)
    config = _lint_config(settings)
    from_config = _split_ids(config.get("exclude", []))
    excluded = from_config + _split_ids(exclude)
    for rule_id in excluded:
        from shoring.lint.registry import rule_by_id

        if rule_by_id(rule_id) is None:
            if rule_id in from_config and settings.config_file:  # say where it is written
                raise ConfigError(_unknown_rule(rule_id, "lint.exclude names").message, path=settings.config_file,
                                  line=_key_line(settings.config_file, ("lint", "exclude")))
            raise _unknown_rule(rule_id, "excluded rule")
    engine_name, scheme = _engine_from(settings, engine)
    live_catalog = None
    if database:  # asked for by name: the live schema and version, not a guess
        live_catalog, live_version = _read_live(settings, engine_name)
        server_version = server_version or live_version
    version = server_version or config.get("server_version")
    if version is None and scheme == "mariadb":
        version = MARIADB_DEFAULT
    elif version is None and scheme == "mysql" and not engine:
        version = _ask_server(settings.database_url)
    if paths:
        targets = list(paths)
    else:
        if not settings.migrations_dir.is_dir():
            raise ShoringError(f"no migrations folder at {settings.migrations_dir} (pass files or folders to lint, or run `shoring init`)")
        targets = [settings.migrations_dir]
    options = LintOptions(
        engine=engine_name,
        server_version=str(version) if version is not None else None,
        exclude=frozenset(excluded),
        exclude_paths=tuple(config.get("exclude_paths", [])),
        root=settings.root,
        runner_settings=lambda: _runner_settings(settings),
        jobs=jobs,
        migrations_dir=settings.migrations_dir,
        catalog=live_catalog,
    )
    try:
        files = collect_files(targets, options)
        if changed_since is not None:
            options.report = _changed_since(changed_since, settings.root)
        if no_cache or database:
            from shoring.lint.linter import lint_files

            result = lint_files(files, options)
        else:
            result = _lint_cached(files, options, settings, config)
        from shoring.lint.cache import Stored

        if isinstance(result, Stored):
            from shoring.analysis.versions import parse_server_version

            version = parse_server_version(options.engine, options.server_version)
            if fmt == "json" and not sys.stdout.isatty():  # the stored text is the output: nothing to decode
                from shoring.lint.output import stored_to_json

                click.echo(stored_to_json(result, engine_name, version.label))
                if result.errors:
                    sys.exit(1)
                return
            result = _stored_result(result, version, options)
    except ValueError as exc:  # an unreadable server version
        raise ShoringError(str(exc)) from None
    from shoring.lint import output

    with gc_paused():
        if fmt == "json":
            click.echo(output.to_json(result, engine_name, indent=2 if sys.stdout.isatty() else None))
        elif fmt == "sarif":
            from shoring import __version__
            from shoring.lint.registry import all_rules

            click.echo(output.to_sarif(result, __version__, all_rules()))
        elif fmt == "github":
            text = output.to_github(result)
            if text:
                click.echo(text)
        else:
            output.print_text(result, _console(color))
    if result.errors:
        sys.exit(1)


def _git(args: list[str], cwd: Path) -> str:
    import subprocess

    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise ShoringError(f"--changed-since needs git: {exc}") from None
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["git failed"])[0]
        raise ShoringError(f"--changed-since: git {' '.join(args)}: {why}")
    return proc.stdout


def _changed_since(ref: str, root: Path) -> frozenset[str]:
    """Files changed between git `ref` and the working tree (staged or not), and untracked ones, as realpaths."""
    import os

    if ref.startswith("-"):
        raise ShoringError(f"--changed-since: {ref!r} is not a git revision")
    top = Path(_git(["rev-parse", "--show-toplevel"], root).strip())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except ShoringError:
        raise ShoringError(f"--changed-since: {ref!r} is not a commit of the git repository at {top}") from None
    names = _git(["diff", "--name-only", "--no-renames", ref, "--"], top).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], top).splitlines()
    return frozenset(os.path.realpath(top / n) for n in names if n)


def _lint_cached(files, options, settings, config):
    """lint_files, or the stored result of the same run (a shoring.lint.cache.Stored; see there for the key).

    Reaching a hit needs the files, their displayed paths and the settings: nothing here imports the
    linter, the parser or the rules before the cache has said it has no answer."""
    import hashlib

    from shoring.lint import cache as lint_cache
    from shoring.lint.files import display_paths, in_folder
    from shoring.lint.registry import RULE_MODULES

    folder = options.migrations_dir.resolve() if options.migrations_dir is not None else None
    config_bytes = settings.config_file.read_bytes() if settings.config_file and settings.config_file.is_file() else b""
    parts = {
        "engine": options.engine, "server_version": options.server_version,
        "rule_modules": list(RULE_MODULES), "exclude": sorted(options.exclude),
        "exclude_paths": list(options.exclude_paths), "lint_config": config,
        "config_file": hashlib.sha256(config_bytes).hexdigest(),
        "lock_timeout": settings.lock_timeout, "statement_timeout": settings.statement_timeout,
        "migrations_dir": str(folder), "report": sorted(options.report) if options.report is not None else None,
    }
    shown = display_paths(files, options.root)
    where = lint_cache.cache_dir(settings.root)
    key = lint_cache.run_key(files, shown, in_folder(files, folder), parts)
    hit = lint_cache.load(where, key)
    if hit is not None:
        return hit
    from shoring.lint.linter import lint_files

    result = lint_files(files, options)
    lint_cache.store(where, key, result.findings, result.files, result.statements)
    return result


def _stored_result(stored, version, options):
    """A cache hit as the LintResult the text, SARIF and GitHub outputs read."""
    from shoring.lint.files import LintResult
    from shoring.lint.registry import all_rules

    active = [r for r in all_rules() if options.engine in r.engines and r.id not in options.exclude]
    return LintResult(findings=stored.findings(), files=stored.files, statements=stored.statements,
                      version=version, rules=active)


def _console(color: bool | None):
    from rich.console import Console

    if color is None:
        return Console(highlight=False, soft_wrap=True, file=sys.stdout)
    return Console(highlight=False, soft_wrap=True, file=sys.stdout, force_terminal=color, no_color=not color)


def _explain(rule_id: str, color: bool | None) -> None:
    from shoring.lint.docs import render_page
    from shoring.lint.registry import rule_by_id

    rule = rule_by_id(rule_id.strip())
    if rule is None:
        raise _unknown_rule(rule_id, "--explain")
    page = render_page(rule)
    console = _console(color)
    if console.is_terminal and color is not False:
        from rich.markdown import Markdown

        console.print(Markdown(page))
    else:
        click.echo(page, nl=False)


@click.command()
@click.option("--engine", type=click.Choice(ENGINES), help="Only the rules for this engine.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def rules(engine, fmt):
    """List every lint rule: id, severity, engines and what it catches."""
    import json

    from shoring.lint.base import ENGINE_NAMES
    from shoring.lint.registry import all_rules

    chosen = [r for r in all_rules() if engine is None or engine in r.engines]
    if fmt == "json":
        click.echo(json.dumps({"rules": [{
            "id": r.id, "severity": r.severity, "engines": list(r.engines), "summary": r.summary,
            "fix": r.fix, "anchors": r.anchors, "docs": f"docs/rules/{r.id}.md",
        } for r in chosen]}, indent=2))
        return
    from shoring.cli.common import echo_table

    echo_table(["RULE", "SEVERITY", "ENGINES", "CATCHES"], [
        [r.id, r.severity, ", ".join(ENGINE_NAMES[e] for e in r.engines) if len(r.engines) < 3 else "all", r.summary]
        for r in chosen], indent=0)
    click.echo(f"\n{len(chosen)} rules. `shoring lint --explain RULE` shows one in full.")
