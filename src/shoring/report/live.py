"""What apply, rollback and backfills show while they run, drawn from the progress events (shoring.progress).

- In a terminal: a Rich live view: the command, the current migration and statement, elapsed times, a
  progress bar with rows/s and ETA for batched backfills and online copies (and the server's own percentage
  for index builds), lock waits with the sessions we wait for, and the throttle (batch size, pause).
- Not a terminal: plain lines, a progress line at most every PLAIN_EVERY seconds, no control codes.
- ``--format json``: every event as one JSON line on stderr (stdout keeps the command's JSON result).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable, TextIO

PLAIN_EVERY = 2.0


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class RunState:
    """What the view shows, updated from events (the runner's thread and the lock watcher's)."""

    def __init__(self, command: str):
        self.command = command
        self.started = time.monotonic()
        self.migration: dict[str, Any] | None = None
        self.statement: dict[str, Any] | None = None
        self.statement_started: float | None = None
        self.batches: dict[str, Any] | None = None
        self.activity: dict[str, Any] | None = None
        self.paused: str | None = None  # why the batch loop is paused (a replica behind, throttle_query)

    def update(self, kind: str, event: dict[str, Any]) -> None:
        if kind == "migration_start":
            self.migration, self.statement, self.batches, self.activity = event, None, None, None
        elif kind == "statement_start":
            self.statement, self.statement_started, self.activity = event, time.monotonic(), None
        elif kind == "statement_end":
            self.activity = None
        elif kind == "batches_start":
            self.batches = dict(event)
        elif kind in ("batch", "batches_end") and self.batches is not None:
            self.batches.update(event)
            if kind == "batches_end":
                self.batches["finished"] = True
        elif kind == "activity":
            self.activity = event
        elif kind == "throttle":
            self.paused = event.get("why") if event.get("paused") else None


class RichView:
    """The terminal view: redrawn four times a second by Rich's Live, messages printed above it."""

    def __init__(self, command: str, console: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        self.state = RunState(command)
        self.console = console or Console(file=sys.stdout)
        # fits 80 columns: the counts go on the line below the bar
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(bar_width=24), TaskProgressColumn(),
                                 _rate_column(), TextColumn("ETA"), TimeRemainingColumn(), console=self.console,
                                 speed_estimate_period=10)
        self.task: Any = None
        self.live: Any = None

    def __enter__(self) -> "RichView":
        from rich.live import Live

        self.live = Live(get_renderable=self.render, console=self.console, refresh_per_second=4, transient=False)
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def __call__(self, kind: str, event: dict[str, Any]) -> None:
        self.state.update(kind, event)
        b = self.state.batches
        if kind == "batches_start":
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task(event.get("label", "batches"), total=max(event.get("total") or 0, 1),
                                               completed=event.get("done", 0))
        if b is not None and self.task is not None and kind in ("batch", "batches_end", "batches_start"):
            self.progress.update(self.task, completed=b.get("done", 0))
        if kind == "activity" and event.get("percent") is not None and (b is None or b.get("finished")):
            label = event.get("progress") or "server progress"
            if self.task is None or b is not None:
                if self.task is not None:
                    self.progress.remove_task(self.task)
                self.state.batches = None
                self.task = self.progress.add_task(label.split(":")[0], total=100, completed=0)
            self.progress.update(self.task, completed=event["percent"])
        if kind == "migration_start" and self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None

    def render(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        s = self.state
        lines = [Text(f"shoring {s.command} · elapsed {eta_text(time.monotonic() - s.started)}", style="bold")]
        if s.migration:
            m = s.migration
            lines.append(Text(f"migration {m.get('position')}/{m.get('of')}: {m['version']} {m['name']} "
                              f"({'up' if m.get('direction') == 'up' else 'down'}, {m.get('mode')})"))
        if s.statement:
            st = s.statement
            took = time.monotonic() - (s.statement_started or time.monotonic())
            sql = " ".join(str(st.get("sql", "")).split())
            head = f"statement {st['index']} (line {st.get('line')}), {took:.1f}s: "
            room = max(20, self.console.width - len(head) - 1)
            lines.append(Text(head + (sql if len(sql) <= room else sql[: room - 3] + "...")))
        if self.task is not None:
            lines.append(self.progress.get_renderable())
        b = s.batches
        if b is not None:
            lines.append(Text(f"{b.get('done', 0):,} of {b.get('total', 0):,} rows in {b.get('batches', 0):,} batches"))
        elif self.task is not None and s.activity and s.activity.get("progress"):
            lines.append(Text(str(s.activity["progress"])))
        if s.paused:
            lines.append(Text(f"throttle: PAUSED: {s.paused}", style="bold yellow"))
        elif b is not None and not b.get("finished"):
            pause = b.get("pause") or 0
            throttle = f"pausing {pause:g}s between batches" if pause else "no pause between batches"
            slowed = " (slowed down: sessions waited on our locks)" if b.get("slowed") else ""
            lines.append(Text(f"throttle: batches of {b.get('batch_size', 0):,} rows, {throttle}{slowed}"))
        a = s.activity
        if a and a.get("waiting_for"):
            who = "; ".join(a.get("blockers") or []) or "another session"
            lines.append(Text(f"lock wait: {a['waiting_for']} held by {who}", style="bold red"))
        elif s.statement:
            lines.append(Text("lock wait: none"))
        return Group(*lines)


def _rate_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")

    return RateColumn()


class PlainView:
    """Lines without control codes, for logs and pipes: a progress line every PLAIN_EVERY seconds."""

    def __init__(self, command: str, out: Callable[[str], None]):
        self.state = RunState(command)
        self.out = out
        self.shown = 0.0
        self.rate_from: tuple[float, int] | None = None

    def __enter__(self) -> "PlainView":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def say(self, text: str) -> None:
        self.out(text)

    def __call__(self, kind: str, event: dict[str, Any]) -> None:
        self.state.update(kind, event)
        b = self.state.batches
        now = time.monotonic()
        if kind == "batches_start":
            self.rate_from, self.shown = (now, event.get("done", 0)), now
        elif kind == "batch" and b is not None and self.rate_from is not None and now - self.shown >= PLAIN_EVERY:
            self.shown = now  # (the batch loop says the last line itself, with its total time)
            since, rows0 = self.rate_from
            done, total = b.get("done", 0), b.get("total") or 0
            rate = (done - rows0) / (now - since) if now > since else 0.0
            eta = (total - done) / rate if rate > 0 else None
            share = f" ({100 * done / total:.0f}%)" if total else ""
            self.out(f"  {b.get('label', 'batches')}: {done:,} of {total:,} rows{share}, {rate:,.0f} rows/s, "
                     f"ETA {eta_text(eta)}")


class JsonLinesView(PlainView):
    """Every event as one JSON line on stderr."""

    def __init__(self, command: str, stream: TextIO | None = None):
        super().__init__(command, lambda text: None)
        self.stream = stream

    def say(self, text: str) -> None:
        pass  # the run log records it, and the emit below writes it as a "say" line

    def __call__(self, kind: str, event: dict[str, Any]) -> None:
        stream = self.stream or sys.stderr
        stream.write(json.dumps(event, default=str) + "\n")
        stream.flush()


def choose(command: str, fmt: str, out: Callable[[str], None]) -> Any:
    """The view for this output: JSON lines, a Rich live view in a terminal, plain lines elsewhere."""
    if fmt == "json":
        return JsonLinesView(command)
    if sys.stdout.isatty():
        return RichView(command)
    return PlainView(command, out)
