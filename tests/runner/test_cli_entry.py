"""The command group is click's own: shell completion works, help lists every command without importing them."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from shoring.cli.entry import COMMANDS
from support import run_cli


def shoring(tmp_path, env: dict[str, str]) -> str:
    """The real console command in a process of its own: click writes completions to the binary stdout."""
    done = subprocess.run([sys.executable, "-m", "shoring"], check=False, capture_output=True, text=True, cwd=tmp_path, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout


def complete(tmp_path, words: str) -> list[str]:
    out = shoring(tmp_path, {"_SHORING_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)})
    return [line.split(",", 1)[1] for line in out.splitlines()]


def test_bash_completion_script_is_printed(tmp_path):
    assert "_shoring_completion()" in shoring(tmp_path, {"_SHORING_COMPLETE": "bash_source"})


def test_command_names_complete(tmp_path):
    assert complete(tmp_path, "shoring st") == ["status"]

    assert set(complete(tmp_path, "shoring r")) == {n for n in COMMANDS if n.startswith("r")}


def test_options_of_a_command_complete(tmp_path):
    assert {"--database", "--dry-run"} <= set(complete(tmp_path, "shoring apply --d"))


def test_every_table_entry_is_a_click_command_of_its_name():
    from shoring.cli.app import cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.name == name


def test_help_lists_every_command_and_imports_none(tmp_path):
    probe = (
        "import sys\n"
        "from shoring.cli.entry import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    code = e.code\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('shoring.cli.') and m not in ('shoring.cli.entry', 'shoring.cli.app'))\n"
        "print('LOADED', loaded, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True)
    for name in COMMANDS:
        assert f"  {name} " in done.stdout
    assert "LOADED [] 0" in done.stdout


def test_bare_shoring_prints_help_and_succeeds(tmp_path):
    result = run_cli(tmp_path, [])
    assert result.code == 0
    assert "Commands:" in result.out


def test_version(tmp_path):
    from shoring import __version__

    assert run_cli(tmp_path, ["--version"]).out.strip() == f"shoring {__version__}"
