"""Settings from shoring.toml / [tool.shoring], DATABASE_URL and flags, as one frozen object.

Precedence: flags > a named environment's values (``--env``) > DATABASE_URL (database only) > config file > defaults.
A named environment is a flag too, so ``--env staging`` beats a stray DATABASE_URL.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoring.errors import ConfigError


#: Known keys and their defaults; anything else in the file is a typo we point out.
DEFAULTS: dict[str, Any] = {
    "database": None,
    "migrations": "migrations",
    "history_table": "shoring_migrations",
    "lock_wait": 120.0,  # seconds an apply waits for another apply's run lock
    "lock_timeout": "5s",  # how long one DDL statement may wait in the lock queue (PostgreSQL/MySQL)
    "statement_timeout": None,  # optional cap for one statement
    "lock_retries": 3,  # times a migration that hit lock_timeout is retried, with backoff
    "progress_every": "10s",  # apply reports a statement still running this long, then again as often
    "max_blocking": None,  # a statement of ours that keeps other sessions waiting this long is cancelled, retried later
    "versioned_schema": False,  # PostgreSQL: an expand makes schemas of views for the old and the new code
    "throttle_query": None,  # batches pause while this query's first value is true
    "max_lag": None,  # batches pause while a PostgreSQL standby replays more than this behind
    "require_online_ddl": False,  # MySQL/MariaDB: ALTER TABLE runs with LOCK=NONE unless it says otherwise
    "parallel_workers": 0,  # PostgreSQL: helper processes a statement of ours may start (index builds, scans)
    "author": None,
}
SECTIONS = {"lint", "environments", "plan", "test", "backup", "hooks", "preflight", "notify"}


@dataclass(frozen=True)
class Settings:
    root: Path
    config_file: Path | None
    database_url: str | None
    database_source: str | None
    migrations_dir: Path
    history_table: str = "shoring_migrations"
    environment: str | None = None
    lock_wait: float = 120.0
    lock_timeout: str | None = "5s"
    statement_timeout: str | None = None
    lock_retries: int = 3
    progress_every: str | None = "10s"
    max_blocking: str | None = None
    throttle_query: str | None = None
    versioned_schema: bool = False
    max_lag: str | None = None
    require_online_ddl: bool = False
    parallel_workers: int = 0
    author: str | None = None
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def lock_timeout_seconds(self) -> float | None:
        return parse_duration(self.lock_timeout, "lock_timeout", self.config_file)

    @property
    def progress_every_seconds(self) -> float | None:
        return parse_duration(self.progress_every, "progress_every", self.config_file)

    @property
    def max_lag_seconds(self) -> float | None:
        return parse_duration(self.max_lag, "max_lag", self.config_file)

    @property
    def max_blocking_seconds(self) -> float | None:
        return parse_duration(self.max_blocking, "max_blocking", self.config_file)

    @property
    def statement_timeout_seconds(self) -> float | None:
        return parse_duration(self.statement_timeout, "statement_timeout", self.config_file)

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.sections.get(name) or {})


def parse_duration(value: str | float | int | None, what: str = "duration", path: Path | None = None) -> float | None:
    """'5s', '500ms', '2m', '1h' or a number of seconds."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*", str(value))
    if not m:
        raise ConfigError(f"{what} must look like 500ms, 5s, 2m or 1h, not {value!r}", path=path)
    n = float(m.group(1))
    return n * {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[m.group(2)]


def _boolean(value: Any, what: str, path: Path | None) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{what} must be true or false, not {value!r}", path=path)


def find_config(start: Path) -> Path | None:
    """The nearest shoring.toml, or pyproject.toml with a [tool.shoring] table, at or above start."""
    for folder in (start, *start.parents):
        candidate = folder / "shoring.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "[tool.shoring" in candidate.read_text(encoding="utf-8", errors="replace"):
            return candidate
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                          path=path, line=line) from None
    except tomllib.TOMLDecodeError as exc:
        line = None
        m = re.search(r"line (\d+)", str(exc))
        if m:
            line = int(m.group(1))
        raise ConfigError(f"invalid TOML: {exc}", path=path, line=line) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=path) from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("shoring", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError("[tool.shoring] must be a table", path=path)
    _check_keys(data, path, "")
    from shoring.config_schema import validate

    validate(data, path, text)
    for env_name, env_data in (data.get("environments") or {}).items():
        _check_keys(env_data, path, f"environments.{env_name}.")
    return data


def _check_keys(data: dict[str, Any], path: Path, prefix: str) -> None:
    known = set(DEFAULTS) | SECTIONS
    for key in data:
        if key not in known:
            hint = difflib.get_close_matches(key, sorted(known), n=1)
            more = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(sorted(DEFAULTS))})"
            raise ConfigError(f"unknown setting {prefix}{key!r}{more}", path=path)


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: Any, path: Path | None) -> Any:
    """Replace ${VAR} in string settings, so secrets stay out of the file."""
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise ConfigError(f"setting refers to ${{{name}}}, which is not set in the environment", path=path)
        return os.environ[name]

    return _ENV_REF.sub(sub, value)


def require_url(settings: Settings) -> str:
    """The database URL, or a ConfigError naming the three places one can be given."""
    if not settings.database_url:
        raise ConfigError("no database given: pass --database URL, set DATABASE_URL, or set database in shoring.toml")
    return settings.database_url


def load_settings(
    *,
    config: str | Path | None = None,
    database: str | None = None,
    migrations: str | Path | None = None,
    environment: str | None = None,
    cwd: Path | None = None,
) -> Settings:
    cwd = (cwd or Path.cwd()).resolve()
    if config is not None:
        config_path: Path | None = Path(config).resolve()
        if not config_path.is_file():
            raise ConfigError("config file not found", path=config)
    else:
        config_path = find_config(cwd)
    data: dict[str, Any] = read_config_file(config_path) if config_path else {}
    root = config_path.parent if config_path else cwd

    environment = environment or os.environ.get("SHORING_ENV") or None
    env_data: dict[str, Any] = {}
    if environment:
        envs = data.get("environments") or {}
        if environment not in envs:
            known = ", ".join(sorted(envs)) or "none are configured"
            raise ConfigError(f"unknown environment {environment!r} (known: {known})", path=config_path)
        env_data = envs[environment]

    values = {key: data.get(key, default) for key, default in DEFAULTS.items()}
    values.update({k: v for k, v in env_data.items() if k in DEFAULTS})

    source = None
    url = None
    if database:
        url, source = database, "--database"
    elif env_data.get("database"):
        url, source = env_data["database"], f"environment {environment!r}"
    elif os.environ.get("DATABASE_URL"):
        url, source = os.environ["DATABASE_URL"], "DATABASE_URL"
    elif data.get("database"):
        url, source = data["database"], str(config_path.name if config_path else "config")
    url = _expand(url, config_path)

    mig = Path(migrations) if migrations is not None else Path(_expand(values["migrations"], config_path))
    if not mig.is_absolute():
        mig = (cwd if migrations is not None else root) / mig

    # A relative SQLite path in the config file is relative to the config, as a user reads it.
    if url and source not in ("--database", "DATABASE_URL") and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        rel = url[len("sqlite:///"):]
        if rel and rel != ":memory:" and not Path(rel).is_absolute():
            url = "sqlite:///" + str(root / rel)

    table = str(values["history_table"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", table):
        raise ConfigError(f"history_table {table!r} must be a plain identifier", path=config_path)
    try:
        lock_wait = float(values["lock_wait"])
    except (TypeError, ValueError):
        raise ConfigError(f"lock_wait must be a number of seconds, not {values['lock_wait']!r}", path=config_path) from None

    for key in ("lock_timeout", "statement_timeout", "progress_every", "max_blocking", "max_lag"):
        parse_duration(values[key], key, config_path)  # a bad duration is named now, not mid-apply
    workers = values["parallel_workers"]
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ConfigError(f"parallel_workers must be a whole number of workers (0 or more), not {workers!r}",
                          path=config_path)
    return Settings(
        root=root,
        config_file=config_path,
        database_url=url,
        database_source=source,
        migrations_dir=mig,
        history_table=table,
        environment=environment,
        lock_wait=lock_wait,
        lock_timeout=values["lock_timeout"],
        statement_timeout=values["statement_timeout"],
        lock_retries=int(values["lock_retries"]),
        progress_every=values["progress_every"],
        max_blocking=values["max_blocking"],
        throttle_query=values["throttle_query"],
        versioned_schema=_boolean(values["versioned_schema"], "versioned_schema", config_path),
        max_lag=values["max_lag"],
        require_online_ddl=_boolean(values["require_online_ddl"], "require_online_ddl", config_path),
        parallel_workers=workers,
        author=values["author"],
        sections={k: data.get(k) for k in SECTIONS if k in data},
    )
