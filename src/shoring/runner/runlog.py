"""The run log: everything an apply, rollback or backfill reported while it ran, one JSON object per line,
under ``.shoring/runs/<run id>.jsonl`` beside the config. `shoring report` draws its page from it.

Each line is ``{"t": seconds since the run started, "at": UTC ISO time, "kind": ..., **fields}``; kinds:
run_start, checklist, plan, say, migration_start, statement_start, batches_start, batch, batches_end,
throttle (a batch loop paused or resumed), waiters (how many sessions wait on our locks, when it changes),
activity, statement_end, migration_end, migration_failed, post_check, run_end.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable


def runs_dir(root: Path) -> Path:
    return Path(root) / ".shoring" / "runs"


def new_run_id() -> str:
    """Sortable by time, unique across processes and runs in one process: 20261202-134854-1a2b3c."""
    return f"{datetime.now(timezone.utc):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def list_runs(root: Path) -> list[Path]:
    """Run logs, oldest first."""
    folder = runs_dir(root)
    return sorted(folder.glob("*.jsonl"), key=lambda p: (p.stat().st_mtime, p.name)) if folder.is_dir() else []


def read_run(path: Path) -> list[dict[str, Any]]:
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue  # a line cut off by a kill: the rest still tells the story
    return events


class RunLog:
    """A progress listener that appends every event to the run's file, then hands it to `display`."""

    def __init__(self, root: Path, command: str, display: Callable[[str, dict[str, Any]], None] | None = None):
        self.id = new_run_id()
        self.path = runs_dir(root) / f"{self.id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.display = display
        self._lock = threading.Lock()
        self._file = self.path.open("a", encoding="utf-8")
        self.worked = False  # did a migration start? (an up-to-date apply leaves no log)
        self.emit("run_start", {"command": command, "run": self.id})

    def emit(self, kind: str, fields: dict[str, Any]) -> None:
        if kind in ("migration_start", "statement_start"):
            self.worked = True
        record = {"t": round(time.monotonic() - self.started, 3),
                  "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "kind": kind, **fields}
        with self._lock:
            self._file.write(json.dumps(record, default=str) + "\n")
            self._file.flush()
        if self.display is not None:
            self.display(kind, record)

    def close(self, outcome: str, error: str | None = None) -> None:
        self.emit("run_end", {"outcome": outcome, "error": error})
        with self._lock:
            self._file.close()
