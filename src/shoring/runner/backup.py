"""The seed's first pre-migration item, "Backup database": taken by apply/rollback before they change anything,
verified, kept private, listed by `shoring backups` and brought back by `shoring restore ID`.

Configured in shoring.toml:

    [backup]
    path = "backups/{database}-{timestamp}{suffix}"   # shoring dumps with the engine's own tool:
        # PostgreSQL pg_dump --format=custom, MySQL/MariaDB mariadb-dump --single-transaction, SQLite the backup API
    command = "scripts/snapshot-volume.sh"            # or: your command in place of the dump (a volume snapshot)
    verify_command = "scripts/check-snapshot.sh"      # with command: proves the snapshot is usable
    restore_command = "scripts/restore-snapshot.sh"   # with command: what `shoring restore` runs
    timeout = 3600

A dump is verified right after it is taken (pg_restore reads the whole archive back; the MariaDB dump is read
back to its completion line; SQLite's copy passes PRAGMA integrity_check) and written mode 0600; a backup that
fails verification stops the apply before any change. Every backup is listed in ``.shoring/backups.jsonl`` beside
the config (not in the database, which a restore replaces).

Commands run without a shell (arguments split like a shell would); they find the connection in the environment
the way the database's own tools read it (PGHOST/PGUSER/PGPASSWORD/PGDATABASE, MYSQL_PWD, SHORING_DATABASE_URL),
so no password ever sits on a command line or in the history. A command's last line of output is kept as the
backup's reference (a snapshot id) and handed to verify_command and restore_command as SHORING_BACKUP_REF.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from shoring.errors import CheckFailed, ConfigError, MigrationFailed
from shoring.runner.dumps import BackupInvalid, for_engine

KEYS = {"path", "command", "verify_command", "restore_command", "timeout"}
FILE_MODE = 0o600


@dataclass
class Backup:
    """One entry of the backup list."""

    id: int
    at: str
    engine: str
    database: str  # masked URL
    version: str  # the first migration it was taken before
    reason: str  # apply | rollback
    kind: str  # dump | command
    what: str  # the file written, or the command run (never a password)
    seconds: float
    file: str | None = None
    bytes: int | None = None
    reference: str | None = None  # a command's last output line (a snapshot id)
    verified: str | None = None  # what was checked; None: nothing could be checked
    valid: bool = True
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Manifest:
    """``.shoring/backups.jsonl``: one JSON line per backup, appended, never rewritten."""

    root: Path
    entries: list[Backup] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.root / ".shoring" / "backups.jsonl"

    def load(self) -> "Manifest":
        self.entries = []
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    try:
                        self.entries.append(Backup(**json.loads(line)))
                    except (ValueError, TypeError):
                        continue  # a damaged line hides one entry, never the list
        return self

    def next_id(self) -> int:
        return max((b.id for b in self.entries), default=0) + 1

    def add(self, backup: Backup) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(backup.as_dict()) + "\n")
        self.entries.append(backup)

    def get(self, backup_id: str | int) -> Backup:
        for b in self.entries:
            if str(b.id) == str(backup_id):
                return b
        known = ", ".join(str(b.id) for b in self.entries[-5:]) or "none yet"
        raise ConfigError(f"no backup {backup_id!r} in {self.path} (latest: {known}; see `shoring backups`)")


def placeholders(engine: Any, version: str) -> dict[str, str]:
    url = engine.url
    return {
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S-%f"),  # two backups in one second must not collide
        "database": Path(url.database).stem if engine.description.opens_a_file else url.database,
        "host": url.host or "localhost",
        "port": str(url.port or ""),
        "user": url.user or "",
        "version": version,
        "suffix": for_engine(engine.name).SUFFIX,
    }


def tool_environment(engine: Any) -> dict[str, str]:
    """Connection details for pg_dump / mysqldump / sqlite3, the way each reads them."""
    return engine.tool_environment()


def backup_config(settings: Any) -> dict[str, Any]:
    config = settings.section("backup")
    unknown = set(config) - KEYS
    if unknown:
        raise ConfigError(f"unknown setting [backup] {sorted(unknown)[0]!r} (known: {', '.join(sorted(KEYS))})",
                          path=settings.config_file)
    if config and ("path" in config) == ("command" in config):
        raise ConfigError("[backup] needs exactly one of path (shoring dumps) or command (yours)", path=settings.config_file)
    return config


def take_backup(settings: Any, engine: Any, version: str, root: Path, reason: str = "apply") -> Backup | None:
    """Take and verify the configured backup; None when none is configured. Raises, changing nothing, when it
    fails or cannot be read back."""
    config = backup_config(settings)
    if not config:
        return None
    manifest = Manifest(root).load()
    values = placeholders(engine, version)
    timeout = float(config.get("timeout", 3600))
    started = time.perf_counter()
    entry = Backup(id=manifest.next_id(), at=datetime.now(timezone.utc).isoformat(timespec="seconds"), engine=engine.name,
                   database=engine.url.masked(), version=version, reason=reason, kind="dump" if "path" in config else "command",
                   what="", seconds=0.0)
    env = tool_environment(engine)
    if "path" in config:
        target = (root / str(config["path"]).format(**values)).resolve()
        entry.what = entry.file = str(target)
        write_private(engine, target, env)
        entry.seconds = time.perf_counter() - started
        entry.bytes = target.stat().st_size
        try:
            entry.verified = for_engine(engine.name).verify(target, env)
        except BackupInvalid as exc:
            invalid(manifest, entry, str(exc))
    else:
        command = [part.format(**values) for part in shlex.split(str(config["command"]))]
        entry.what = " ".join(command)
        entry.reference = run_command(command, root, env, timeout, "backup")
        entry.seconds = time.perf_counter() - started
        if config.get("verify_command"):
            try:
                run_command(shlex.split(str(config["verify_command"])), root, command_env(env, entry), timeout, "verify")
            except MigrationFailed as exc:
                invalid(manifest, entry, exc.message)
            entry.verified = f"verify_command {config['verify_command']} passed"
    manifest.add(entry)
    return entry


def write_private(engine: Any, target: Path, env: dict[str, str]) -> None:
    """The dump is made in a file only its owner can read: it holds every row, passwords and all."""
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        raise MigrationFailed(f"backup failed, so nothing was changed: {target} already exists "
                              "(put {timestamp} in [backup] path)") from None
    try:
        for_engine(engine.name).write(engine, target, env)
    except RuntimeError as exc:
        target.unlink(missing_ok=True)
        raise MigrationFailed(f"backup failed, so nothing was changed: {exc} (fix [backup] in shoring.toml, or pass "
                              "--no-backup)") from None
    os.chmod(target, FILE_MODE)


def invalid(manifest: Manifest, entry: Backup, problem: str) -> None:
    entry.valid, entry.problem = False, problem
    manifest.add(entry)
    raise MigrationFailed(f"backup {entry.id} ({entry.what}) failed verification, so nothing was changed: {problem}")


def command_env(env: dict[str, str], entry: Backup) -> dict[str, str]:
    return dict(env, SHORING_BACKUP_ID=str(entry.id), SHORING_BACKUP_REF=entry.reference or "")


def run_command(command: list[str], root: Path, env: dict[str, str], timeout: float, what: str) -> str:
    """Run a [backup] command; its last line of output is returned (a snapshot id, a path)."""
    try:
        result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MigrationFailed(f"{what} failed, so nothing was changed: {' '.join(command)}: {exc}") from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise MigrationFailed(f"{what} failed, so nothing was changed: {' '.join(command)}: {last} "
                              "(fix [backup] in shoring.toml, or pass --no-backup)")
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def restore_backup(settings: Any, engine: Any, backup_id: str, say: Any) -> Backup:
    """Make the database `engine` is connected to what backup `backup_id` holds, under the run lock."""
    entry = Manifest(settings.root).load().get(backup_id)
    if not entry.valid:
        raise CheckFailed(f"backup {entry.id} failed verification when it was taken ({entry.problem}); it cannot be restored")
    if entry.engine != engine.name:
        raise ConfigError(f"backup {entry.id} is a {entry.engine} backup; {engine.url.masked()} is {engine.name}")
    env = tool_environment(engine)
    lock = settings.history_table
    if not engine.run_lock_try(lock):
        raise CheckFailed(f"a shoring run holds the migration lock on {engine.url.masked()}; restore after it ends")
    try:
        started = time.perf_counter()
        if entry.kind == "command":
            config = backup_config(settings)
            if not config.get("restore_command"):
                raise ConfigError(f"backup {entry.id} was taken by [backup] command; set [backup] restore_command to "
                                  "restore it", path=settings.config_file)
            run_command(shlex.split(str(config["restore_command"])), settings.root, command_env(env, entry),
                        float(config.get("timeout", 3600)), "restore")
        else:
            source = Path(entry.file or "")
            if not source.is_file():
                raise CheckFailed(f"backup {entry.id}'s file {source} is gone")
            dump = for_engine(engine.name)
            try:
                dump.verify(source, env)  # never empty a database for a file that cannot be read back
            except BackupInvalid as exc:
                raise CheckFailed(f"backup {entry.id} ({source}) no longer reads back, nothing was changed: {exc}") from None
            say(f"restoring backup {entry.id} ({source}) into {engine.url.masked()}")
            try:
                dump.restore(source, engine, env)
            except RuntimeError as exc:
                raise MigrationFailed(f"restore of backup {entry.id} into {engine.url.masked()} failed part-way: {exc}; "
                                      "run it again once the cause is fixed") from None
        _record_restore(settings, engine, entry, time.perf_counter() - started)
    finally:
        if engine.alive():
            engine.run_lock_release(lock)
    return entry


def _record_restore(settings: Any, engine: Any, entry: Backup, seconds: float) -> None:
    """The restored history is the one at backup time; the restore itself is added to its audit trail."""
    from shoring.runner.history import History

    history = History(engine, settings.history_table)
    if history.exists() and engine.table_exists(history.events_table):
        history.event(entry.version, "restore", duration_ms=int(seconds * 1000),
                      detail=f"backup {entry.id} taken {entry.at}: {entry.what}")
