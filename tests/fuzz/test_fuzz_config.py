"""The config loader on fuzzed shoring.toml files: Settings, or one ConfigError naming the file
(and the line where it can), never another exception; and every setting it accepted is usable."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fuzz_strategies import one_line, mutated
from hypothesis import example, given
from hypothesis import strategies as st

from shoring.config import DEFAULTS, SECTIONS, load_settings
from shoring.errors import ConfigError

FOLDER = Path(tempfile.mkdtemp(prefix="shoring-fuzz-config-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
#: a TOML basic string (JSON's escapes are TOML's, once non-ASCII stays literal)
toml_string = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=15).map(
    lambda t: json.dumps(t, ensure_ascii=False))

#: TOML values of every type, as text (JSON strings are TOML basic strings)
toml_value = st.recursive(
    st.one_of(
        st.booleans().map(lambda b: "true" if b else "false"),
        st.integers(-10**6, 10**6).map(str),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
        st.sampled_from(["nan", "inf", "-inf", "1979-05-27", "1979-05-27T07:32:00Z", "07:32:00", "0x1F", "1_000"]),
        toml_string,
        st.sampled_from(['"5s"', '"500ms"', '"2m"', '"1h"', '""', '"sqlite:///x.db"', '"${HOME}"', '"${NOPE_UNSET}"',
                         '"postgresql://u:pw@h/db"', '"migrations"', "'lit'", '"prefer-text"']),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.dictionaries(st.sampled_from(["rows", "exclude", "command", "x", "database", "engine"]), inner,
                        max_size=3).map(lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"),
    ),
    max_leaves=6,
)
KEYS = sorted(DEFAULTS) + ["databse", "lock_timout"]
SECTION_KEYS = {
    "lint": ["exclude", "exclude_paths", "server_version", "excludes"],
    "plan": ["engine", "server_version", "calibrate", "calibration_rows"],
    "test": ["rows", "scale", "copy", "sample_rows"],
    "backup": ["command", "path", "timeout"],
    "hooks": ["before_apply", "after_apply", "on_failure", "timeout"],
    "environments.staging": sorted(DEFAULTS),
}


@st.composite
def config_text(draw) -> str:
    lines = [f"{draw(st.sampled_from(KEYS))} = {draw(toml_value)}" for _ in range(draw(st.integers(0, 4)))]
    for _ in range(draw(st.integers(0, 3))):
        section = draw(st.sampled_from(sorted(SECTION_KEYS) + sorted(SECTIONS)))
        lines.append(f"[{section}]")
        keys = SECTION_KEYS.get(section, ["x"])
        lines += [f"{draw(st.sampled_from(keys))} = {draw(toml_value)}" for _ in range(draw(st.integers(0, 3)))]
    return "\n".join(lines) + "\n"


def load(data: bytes, name: str = "shoring.toml") -> None:
    folder = FOLDER / name.replace(".", "_")
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    saved = {k: os.environ.pop(k, None) for k in ("DATABASE_URL", "SHORING_ENV")}
    try:
        settings = load_settings(cwd=folder)
        for name in ("lock_timeout_seconds", "progress_every_seconds", "statement_timeout_seconds"):
            getattr(settings, name)
        for section in SECTIONS:
            settings.section(section)
    except ConfigError as exc:
        text = exc.render()
        assert text.startswith(str(path)), text
        assert one_line(text), text
    finally:
        os.environ.update({k: v for k, v in saved.items() if v is not None})


@given(config_text())
@example('lock_retries = ""\n')
@example("[environments]\nstaging = 5\n")
def test_generated_config(text):
    load(text.encode("utf-8", "surrogatepass"))


@given(mutated(b'database = "sqlite:///app.db"\nlock_timeout = "5s"\nlock_retries = 3\n[lint]\nexclude = ["prefer-text"]\n'
               b'[environments.staging]\ndatabase = "${HOME}"\n[test]\nrows = 10\n'))
def test_mutated_config(data):
    load(data)


@given(config_text())
def test_generated_pyproject(text):
    body = "".join(f"[tool.shoring.{line[1:]}\n" if line.startswith("[") else line + "\n" for line in text.splitlines())
    load(f'[project]\nname = "x"\n[tool.shoring]\n{body}'.encode("utf-8", "surrogatepass"), "pyproject.toml")


#: values of the right type for each key, edge cases first: what the schema lets through must work
GOOD = {
    "lock_timeout": st.sampled_from(['"5s"', '"0"', "0", "2.5", '"500ms"', '"1h"', '""']),
    "lock_retries": st.integers(0, 5).map(str),
    "lock_wait": st.sampled_from(["0", "0.5", "120"]),
    "progress_every": st.sampled_from(['""', '"10s"', "0", '"1m"']),
    "require_online_ddl": st.sampled_from(["true", "false"]),
    "history_table": st.sampled_from(['"shoring_migrations"', '"h"', '"bad name"', '"x-y"']),
    "author": toml_string,
}
GOOD_SECTIONS = {
    "lint": {"exclude": st.sampled_from(['"prefer-text"', "[]", '["nope-rule"]', '"a,b"']),
             "exclude_paths": st.sampled_from(['[]', '["x/*"]', '"*"']),
             "server_version": st.sampled_from(['"15"', "15", "8.0", '"10.11"', '"banana"', '""'])},
    "plan": {"engine": st.sampled_from(['"postgresql"', '"mysql"', '"sqlite"']),
             "server_version": st.sampled_from(['"15"', "14", '"x"']),
             "calibrate": st.sampled_from(["true", "false"]), "calibration_rows": st.sampled_from(["1", "20000"])},
    "test": {"rows": st.sampled_from(["0", "3"]), "sample_rows": st.sampled_from(["0", "10"]),
             "copy": st.sampled_from(['"auto"', '"sample"']), "scale": st.sampled_from(["0", "0.5"])},
    "hooks": {"timeout": st.sampled_from(["1", "0.5"]), "after_apply": st.sampled_from(['"true"', '""'])},
}


@st.composite
def typed_config(draw) -> str:
    lines = ['database = "sqlite:///fuzz.db"']
    lines += [f"{k} = {draw(v)}" for k, v in GOOD.items() if draw(st.booleans())]
    for section, keys in GOOD_SECTIONS.items():
        if draw(st.booleans()):
            lines.append(f"[{section}]")
            lines += [f"{k} = {draw(v)}" for k, v in keys.items() if draw(st.booleans())]
    return "\n".join(lines) + "\n"


@given(typed_config(), st.sampled_from([("status",), ("lint",), ("plan",), ("plan", "--format", "json"),
                                       ("test",), ("apply", "--dry-run"), ("history",)]))
def test_accepted_config_works_in_every_command(text, args):
    from support import run_cli

    folder = FOLDER / "commands"
    (folder / "migrations").mkdir(parents=True, exist_ok=True)
    (folder / "migrations" / "1_t.sql").write_text("-- migrate:up\nCREATE TABLE t (id INTEGER);\n"
                                                  "-- migrate:down\nDROP TABLE t;\n")
    (folder / "shoring.toml").write_text(text)
    result = run_cli(folder, args, unset=("DATABASE_URL", "SHORING_ENV"))
    assert "Traceback" not in result.err, result.err
    assert result.code in (0, 1, 2), result
    if result.code == 2:
        assert one_line(result.err) and result.err.startswith("shoring: error:"), result.err


def _schema_errors(data, schema) -> list:
    import jsonschema

    return list(jsonschema.Draft202012Validator(schema).iter_errors(data))


@given(st.one_of(config_text(), typed_config()))
@example('lock_retries = true\n')
@example('lock_retries = 1.0\n')
@example('history_table = "a\\n"\n')
@example('[plan]\nengine = 1\n')
def test_the_schema_shortcut_never_accepts_what_jsonschema_refuses(text):
    """config_schema.conforms skips jsonschema (slow to import) for valid files: it may only say yes
    where jsonschema finds nothing, and must say yes to the usual valid files."""
    import tomllib

    from shoring.config_schema import SCHEMA, conforms

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return
    if conforms(data, SCHEMA):
        assert _schema_errors(data, SCHEMA) == [], text


def test_the_schema_shortcut_accepts_the_usual_files():
    import tomllib

    from shoring.config_schema import SCHEMA, conforms
    from shoring.fleet.targets import SCHEMA as TARGETS

    usual = ('database = "postgresql://app@localhost/app"\nlock_timeout = "5s"\nlock_retries = 3\nstatement_timeout = 0\n'
             '[lint]\nexclude = ["prefer-text"]\nserver_version = "15"\n[environments.staging]\ndatabase = "${HOME}"\n'
             '[test]\nrows = 10\n[preflight]\nblock = ["backup", "lint"]\n')
    assert conforms(tomllib.loads(usual), SCHEMA)
    for wrong in ('lock_retries = -1\n', 'lock_retries = "3"\n', '[plan]\nengine = "oracle"\n', 'history_table = "a b"\n',
                  '[preflight]\nblock = ["nope"]\n', '[environments]\nstaging = 5\n'):
        data = tomllib.loads(wrong)
        assert not conforms(data, SCHEMA) and _schema_errors(data, SCHEMA), wrong
    fleet = tomllib.loads('[[targets]]\nname = "a"\ndatabase = "sqlite:///a.db"\n')
    assert not conforms(fleet, TARGETS) or _schema_errors(fleet, TARGETS) == []  # "required": left to jsonschema
