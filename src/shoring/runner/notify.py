"""The seed's "notify stakeholders": a webhook that receives JSON when an apply or a rollback starts, succeeds,
fails, and when a rollback is done.

    [notify]
    webhook = "${SLACK_WEBHOOK_URL}"   # POSTed one JSON object per event
    timeout = "5s"                     # per attempt
    retries = 3                        # after the first attempt, with exponential backoff (tenacity)

Delivery happens on a background thread, so a slow or dead receiver never holds up a migration; when the
run ends shoring waits for outstanding deliveries at most `timeout` x (retries + 1) and then says what it
could not deliver. The body:

    {"event": "start|success|failure|rollback", "command": "apply|rollback", "database": "<masked URL>",
     "versions": [...], "error": "..."|null, "at": "<UTC ISO time>", "host", "user", "tool_version"}

The webhook's URL often carries a token: it is never printed (only its host).
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from shoring.config import parse_duration
from shoring.errors import ConfigError

KEYS = {"webhook", "timeout", "retries"}
#: [hooks] event -> (webhook event, command)
EVENTS = {
    "before_apply": ("start", "apply"),
    "after_apply": ("success", "apply"),
    "before_rollback": ("start", "rollback"),
    "after_rollback": ("rollback", "rollback"),
    "on_failure": ("failure", None),
}

_queue: "queue.Queue[tuple[str, dict[str, Any], float, int, threading.Event]]" = queue.Queue()
_pending: list[tuple[str, threading.Event]] = []  # (event, set once delivered or given up)
_problems: list[str] = []
_lock = threading.Lock()
_worker: threading.Thread | None = None


class _Retryable(Exception):
    pass


def settings_of(settings: Any) -> tuple[str, float, int] | None:
    config = settings.section("notify")
    unknown = set(config) - KEYS
    if unknown:
        raise ConfigError(f"unknown setting [notify] {sorted(unknown)[0]!r} (known: {', '.join(sorted(KEYS))})",
                          path=settings.config_file)
    url = config.get("webhook")
    if not url:
        return None
    from shoring.config import _expand

    url = _expand(str(url), settings.config_file)
    if urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError("[notify] webhook must be an http:// or https:// URL", path=settings.config_file)
    timeout = parse_duration(config.get("timeout", "5s"), "[notify] timeout", settings.config_file) or 5.0
    retries = config.get("retries", 3)
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
        raise ConfigError(f"[notify] retries must be a whole number, not {retries!r}", path=settings.config_file)
    return url, timeout, retries


def where(url: str) -> str:
    """The receiver as it may be printed: scheme and host, never the path that holds the token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}/..."


def send(session: Any, hook_event: str, versions: list[str], error: str | None = None, command: str | None = None) -> None:
    """Queue the event for delivery and return at once."""
    configured = settings_of(session.settings)
    if configured is None or hook_event not in EVENTS:
        return
    url, timeout, retries = configured
    event, default_command = EVENTS[hook_event]
    from shoring import __version__
    from shoring.runner.history import who

    body = {"event": event, "command": command or default_command or "apply", "database": session.engine.url.masked(),
            "versions": list(versions), "error": error, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "host": socket.gethostname(), "user": who(), "tool_version": __version__}
    global _worker
    done = threading.Event()
    with _lock:
        _pending.append((event, done))
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="shoring-notify", daemon=True)
            _worker.start()
    _queue.put((url, body, timeout, retries, done))


def _work() -> None:
    """One worker, so the receiver gets the events in the order they happened."""
    while True:
        url, body, timeout, retries, done = _queue.get()
        try:
            _deliver(url, body, timeout, retries)
        finally:
            done.set()


def _deliver(url: str, body: dict[str, Any], timeout: float, retries: int) -> None:
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

    data = json.dumps(body).encode("utf-8")
    try:
        for attempt in Retrying(stop=stop_after_attempt(retries + 1), wait=wait_exponential(multiplier=0.2, max=2),
                                retry=retry_if_exception_type(_Retryable), reraise=True):
            with attempt:
                _post(url, data, timeout)
    except Exception as exc:  # noqa: BLE001 - a notification that cannot be delivered is said, never raised
        with _lock:
            _problems.append(f"warning: webhook {where(url)} did not get '{body['event']}' after {retries + 1} "
                             f"attempt(s): {exc}")


def _post(url: str, data: bytes, timeout: float) -> None:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "shoring"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise _Retryable(f"HTTP {exc.code}") from None
        raise RuntimeError(f"HTTP {exc.code} (not retried)") from None
    except (urllib.error.URLError, OSError) as exc:
        raise _Retryable(str(getattr(exc, "reason", exc))) from None


def drain(session: Any) -> None:
    """At the end of a run: wait (bounded) for deliveries, then say what did not get through."""
    configured = settings_of(session.settings)
    with _lock:
        waiting, _pending[:] = list(_pending), []
    if configured is not None and waiting:
        _, timeout, retries = configured
        bound = (timeout * (retries + 1) + 2 * retries) * len(waiting)
        deadline = time.monotonic() + bound
        for _, done in waiting:
            done.wait(max(0.0, deadline - time.monotonic()))
        late = [event for event, done in waiting if not done.is_set()]
        if late:
            session.say(f"warning: webhook {where(configured[0])} still not answering for {', '.join(late)} after "
                        f"{bound:g}s; not waiting longer")
    with _lock:
        problems, _problems[:] = list(_problems), []
    for line in problems:
        session.say(line)
