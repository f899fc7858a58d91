"""The click application: a lazily loading group and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import sys

import click
from click.shell_completion import CompletionItem

from shoring.cli.entry import ABOUT, COMMANDS
from shoring.errors import EXIT_FAILED, EXIT_USAGE, ShoringError


class LazyGroup(click.Group):
    """Click's lazy-loading group (click docs, "Lazily Loading Subcommands") over a table of
    `name -> (module, function, summary)`: help and completion of command names read the table,
    so only the command that runs is imported."""

    def __init__(self, *args, lazy_subcommands: dict[str, tuple[str, str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_subcommands]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.lazy_subcommands:
            return super().get_command(ctx, name)
        module, attr, _ = self.lazy_subcommands[name]
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{attr} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary) for name, (_, _, summary) in self.lazy_subcommands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names complete from the table; their options complete through click as usual."""
        items = click.Command.shell_complete(self, ctx, incomplete)  # the group's own options
        items += [CompletionItem(name, help=summary) for name, (_, _, summary) in self.lazy_subcommands.items() if name.startswith(incomplete)]
        return items


@click.group(cls=LazyGroup, lazy_subcommands=COMMANDS, help=ABOUT, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shoring", prog_name="shoring", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:  # a bare `shoring` is a request for help, as git answers it
        click.echo(ctx.get_help())


def run(args: list[str]) -> None:
    try:
        code = cli.main(args=args, prog_name="shoring", standalone_mode=False)
    except ShoringError as exc:
        click.echo(f"shoring: error: {exc.render()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code if exc.exit_code else EXIT_USAGE)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("shoring: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        from shoring.engines.base import (
            StatementError,  # imported here: the engines are slow to import
        )

        if not isinstance(exc, StatementError):
            raise
        # the database refused shoring's own bookkeeping: say so in one line
        click.echo(f"shoring: error: database error: {exc.message}", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(code if isinstance(code, int) else 0)
