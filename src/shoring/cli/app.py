"""The click application: a lazily loading group and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import sys

import click

from shoring.cli.entry import ABOUT, COMMANDS, group_help
from shoring.engines.base import StatementError
from shoring.errors import EXIT_FAILED, EXIT_USAGE, ShoringError


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write(group_help() + "\n")


@click.group(cls=LazyGroup, help=ABOUT, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shoring", prog_name="shoring")
def cli() -> None:
    pass


def run(args: list[str]) -> None:
    try:
        code = cli.main(args=args, prog_name="shoring", standalone_mode=False)
    except ShoringError as exc:
        click.echo(f"shoring: error: {exc.render()}", err=True)
        sys.exit(exc.exit_code)
    except StatementError as exc:  # the database refused shoring's own bookkeeping: say so in one line
        click.echo(f"shoring: error: database error: {exc.message}", err=True)
        sys.exit(EXIT_FAILED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code else EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("shoring: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("shoring: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
