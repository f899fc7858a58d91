"""The JSON Schema of shoring.toml, and the one line a value that breaks it becomes.

A schema (data, checked by the jsonschema library) rather than isinstance checks scattered over the
commands that read each key: every key is checked the moment the file is read, whatever command
runs, and the error names the key, the line, what it must be and why the key exists (its
``description``). The same schema serves editors that validate TOML against JSON Schema.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shoring.errors import ConfigError

_DURATION = {"type": ["string", "number"], "minimum": 0}
_STRINGS = {"type": ["string", "array"], "items": {"type": "string"}}
_VERSION = {"type": ["string", "number"]}
_COMMAND = {"type": "string"}

#: Top-level settings, also allowed inside [environments.NAME].
SETTINGS: dict[str, Any] = {
    "database": {"type": "string", "description": "the database URL"},
    "migrations": {"type": "string", "description": "the migrations folder"},
    "history_table": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,62}$",
                      "description": "the table that records applied migrations"},
    "lock_wait": {"type": "number", "minimum": 0,
                  "description": "seconds an apply waits for another apply's run lock"},
    "lock_timeout": {**_DURATION, "description": "how long one DDL statement may wait for its lock"},
    "statement_timeout": {**_DURATION, "description": "an optional cap per statement"},
    "lock_retries": {"type": "integer", "minimum": 0, "description": "retries after a lock timeout"},
    "progress_every": {**_DURATION, "description": "how often a long statement is reported"},
    "versioned_schema": {"type": "boolean", "description": "PostgreSQL: schemas of views for old and new code while expanded"},
    "throttle_query": {"type": "string", "description": "batches pause while this query's first value is true"},
    "max_lag": {**_DURATION, "description": "batches pause while a PostgreSQL standby is further behind"},
    "max_blocking": {**_DURATION, "description": "cancel (and retry later) a statement that keeps others waiting this long"},
    "require_online_ddl": {"type": "boolean", "description": "MySQL/MariaDB: refuse ALTERs that block writes"},
    "parallel_workers": {"type": "integer", "minimum": 0,
                            "description": "PostgreSQL: parallel workers a statement of shoring's may start (index builds, scans)"},
    "author": {"type": "string", "description": "the author written into new migrations"},
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "shoring.toml",
    "type": "object",
    "properties": {
        **SETTINGS,
        "environments": {
            "type": "object",
            "description": "named databases chosen with --env",
            "additionalProperties": {
                "type": "object",
                "description": "one environment's settings",
                "properties": SETTINGS,
            },
        },
        "lint": {
            "type": "object",
            "description": "lint settings",
            "properties": {
                "exclude": {**_STRINGS, "description": "rule ids to switch off"},
                "exclude_paths": {**_STRINGS, "description": "files lint skips"},
                "server_version": {**_VERSION, "description": "the server version lint assumes"},
            },
        },
        "plan": {
            "type": "object",
            "description": "plan settings",
            "properties": {
                "engine": {"enum": ["postgresql", "mysql", "sqlite"],
                           "description": "the engine planned for without a database"},
                "server_version": {**_VERSION, "description": "the server version planned for"},
                "calibrate": {"type": "boolean", "description": "measure this server's speed for estimates"},
                "calibration_rows": {"type": "integer", "minimum": 1, "description": "rows the calibration uses"},
            },
        },
        "test": {
            "type": "object",
            "description": "rehearsal settings",
            "properties": {
                "rows": {"type": "integer", "minimum": 0, "description": "synthetic rows per table"},
                "scale": {"type": "number", "minimum": 0, "description": "synthetic rows as a multiple of the real ones"},
                "copy": {"enum": ["auto", "template", "sample"], "description": "how the scratch copy is made"},
                "sample_rows": {"type": "integer", "minimum": 0, "description": "rows copied per table"},
            },
        },
        "backup": {
            "type": "object",
            "description": "the backup taken before apply and rollback",
            "properties": {
                "command": {**_COMMAND, "description": "your backup command, in place of the dump (a volume snapshot)"},
                "path": {"type": "string", "description": "where shoring writes the verified dump"},
                "verify_command": {**_COMMAND, "description": "proves a command backup is usable"},
                "restore_command": {**_COMMAND, "description": "restores a command backup"},
                "timeout": {"type": "number", "exclusiveMinimum": 0, "description": "seconds the backup may take"},
            },
        },
        "preflight": {
            "type": "object",
            "description": "the pre-migration checklist apply checks first",
            "properties": {
                "block": {"type": "array", "items": {"enum": ["backup", "rollback", "window", "sessions", "replication",
                                                               "disk", "lint", "risk"]},
                          "description": "checklist items whose failure stops the apply"},
                "window": {"type": "string",
                           "description": "the maintenance window, HH:MM-HH:MM"},
                "timezone": {"type": "string", "description": "the maintenance window's clock"},
                "window_after": {**_DURATION, "description": "writes blocked this long need the maintenance window"},
                "long_session": {**_DURATION, "description": "a transaction open this long on a target table is named"},
                "max_replication_lag": {**_DURATION, "description": "the replication lag apply accepts"},
                "risk": {"enum": ["medium", "high"], "description": "the plan risk at which the risk item fails"},
            },
        },
        "notify": {
            "type": "object",
            "description": "the webhook told when an apply or rollback starts, succeeds or fails",
            "properties": {
                "webhook": {"type": "string", "description": "the http(s) URL POSTed one JSON object per event"},
                "timeout": {**_DURATION, "description": "how long one delivery attempt may take"},
                "retries": {"type": "integer", "minimum": 0, "description": "attempts after the first"},
            },
        },
        "hooks": {
            "type": "object",
            "description": "commands run around apply and rollback",
            "properties": {
                **{event: {**_COMMAND, "description": f"the command run {event.replace('_', ' ')}"}
                   for event in ("before_apply", "after_apply", "before_rollback", "after_rollback")},
                "on_failure": {**_COMMAND, "description": "the command run when a migration fails"},
                "timeout": {"type": "number", "exclusiveMinimum": 0, "description": "seconds a hook may take"},
            },
        },
    },
}

#: JSON Schema type names as a TOML user reads them.
_TYPE_WORDS = {
    "string": "a string", "number": "a number", "integer": "an integer", "boolean": "true or false",
    "object": "a table", "array": "a list",
}


def validate(data: dict[str, Any], path: Path | None, text: str = "", schema: dict[str, Any] | None = None) -> None:
    """Raise one ConfigError for the first value the schema refuses (in file order), naming key and line.
    `schema`: another file's (the fleet's targets.toml), checked the same way."""
    if conforms(data, SCHEMA if schema is None else schema):
        return  # the usual case, known without importing jsonschema (a tenth of a small lint's time)
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA if schema is None else schema)
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    keys_in_order = _key_lines(text)
    error = min(errors, key=lambda e: (keys_in_order.get(tuple(e.absolute_path), 10**9), len(e.absolute_path)))
    key = ".".join(str(part) for part in error.absolute_path)
    why = error.schema.get("description")
    raise ConfigError(f"{key} {_expected(error)}{f' ({why})' if why else ''}, not {_shown(error.instance)}",
                      path=path, line=_line_of(keys_in_order, tuple(error.absolute_path)))


#: Python types of each JSON Schema type, as TOML gives them (bool is no number; a float for
#: "integer" is left to jsonschema, which accepts 1.0).
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float), "integer": (int,),
                                      "boolean": (bool,), "object": (dict,), "array": (list,)}
#: Keywords `conforms` checks; "description" and the like only document.
_ANNOTATIONS = {"description", "title", "$schema"}


def conforms(instance: Any, schema: dict[str, Any]) -> bool:
    """True only when `instance` is certainly valid against `schema`, for the keywords the schemas
    here use (type, enum, pattern, minimum, exclusiveMinimum, items, properties,
    additionalProperties); anything else, or any doubt, is False and jsonschema decides (and words
    the error). A shortcut, never a second validator: it may refuse what is valid, never accept
    what is not."""
    if isinstance(schema, bool):  # the schemas `true` (anything) and `false` (nothing)
        return schema
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "type":
            names = value if isinstance(value, list) else [value]
            if not any(isinstance(instance, _TYPES.get(n, ())) and (n == "boolean") == isinstance(instance, bool)
                       for n in names):
                return False
        elif keyword == "enum":
            if not (isinstance(instance, str) and instance in value and all(isinstance(v, str) for v in value)):
                return False
        elif keyword == "pattern":
            if isinstance(instance, str) and not re.search(value, instance):
                return False
        elif keyword in ("minimum", "exclusiveMinimum"):
            if isinstance(instance, bool) or not isinstance(instance, (int, float)):
                continue  # applies to numbers only
            if instance < value if keyword == "minimum" else instance <= value:
                return False
        elif keyword == "items":
            if isinstance(instance, list) and not all(conforms(item, value) for item in instance):
                return False
        elif keyword == "properties":
            if isinstance(instance, dict) and not all(conforms(v, value[k]) for k, v in instance.items() if k in value):
                return False
        elif keyword == "additionalProperties":
            known = schema.get("properties", {})
            if isinstance(instance, dict) and not all(conforms(v, value) for k, v in instance.items() if k not in known):
                return False
        else:
            return False  # a keyword this shortcut does not know
    return True


def _expected(error: Any) -> str:
    schema = error.schema
    if error.validator == "type":
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "array" in types and "items" in schema:
            return "must be " + " or ".join(_TYPE_WORDS[t] if t != "array" else "a list of strings" for t in types)
        return "must be " + " or ".join(_TYPE_WORDS[t] for t in types)
    if error.validator == "enum":
        return "must be one of " + ", ".join(repr(v) for v in schema["enum"])
    if error.validator == "pattern":
        return "must be a plain identifier (letters, digits and _, at most 63)"
    if error.validator == "minimum":
        return f"must be at least {schema['minimum']}"
    if error.validator == "exclusiveMinimum":
        return f"must be more than {schema['exclusiveMinimum']}"
    return error.message


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Where each `key =` and `[table]` sits, so an error can name the line (best effort: plain keys)."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TABLE.match(line)
        if header:
            table = tuple(part.strip().strip("\"'") for part in header.group(1).split("."))
            if table[:2] == ("tool", "shoring"):
                table = table[2:]
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*table, key.group(1).strip("\"'")), number)
    return lines


def _line_of(lines: dict[tuple[str, ...], int], where: tuple[Any, ...]) -> int | None:
    """The line of the key, else of the nearest enclosing table that has one."""
    parts = tuple(str(p) for p in where)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None


def key_line(path: Path, key: tuple[str, ...]) -> int | None:
    """The line of `key` (e.g. ("lint", "exclude")) in a config file, for errors found after loading."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _line_of(_key_lines(text), key)
