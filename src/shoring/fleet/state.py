"""Where one target stands, read from its own history: the fleet keeps no state of its own."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from shoring.config import Settings
from shoring.fleet.targets import Target


@dataclass
class TargetState:
    name: str
    database: str  # masked
    state: str  # up_to_date, pending, failed, unreachable, (after a run) not_started
    applied: int = 0
    pending: int = 0
    head: str | None = None  # newest applied (or baselined) version
    failed: str | None = None  # the failed migration and where, as status says it
    error: str | None = None
    outcome: str | None = None  # what this run did: applied N, nothing to apply, failed, not started
    seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def target_settings(settings: Settings, target: Target) -> Settings:
    return replace(settings, database_url=target.database, database_source=f"targets file ({target.name})", environment=None)


def read_state(settings: Settings, target: Target) -> TargetState:
    """The target's migrations as `shoring status` sees them, summed up."""
    from shoring.runner.session import open_session
    from shoring.errors import ShoringError
    from shoring.migrations.discovery import version_key
    from shoring.runner.status import PENDING_STATES, compute_status

    masked = _masked(target.database)
    try:
        with open_session(target_settings(settings, target), read_only=True) as session:
            rows = compute_status(session)
    except ShoringError as exc:
        return TargetState(target.name, masked, "unreachable", error=exc.message)
    except Exception as exc:  # noqa: BLE001 - a driver's error for a server that is down: report it, go on
        return TargetState(target.name, masked, "unreachable", error=f"{type(exc).__name__}: {exc}")
    done = [r for r in rows if r.state in ("applied", "baseline")]
    broken = [r for r in rows if r.state in ("failed", "running", "interrupted")]
    waiting = [r for r in rows if r.state in PENDING_STATES]
    state = "failed" if broken else "pending" if waiting else "up_to_date"
    head = max((r.version for r in done), key=version_key, default=None)
    failed = f"{broken[0].version} {broken[0].name}: {broken[0].state}" + (f" ({broken[0].detail})" if broken[0].detail else "") if broken else None
    return TargetState(target.name, masked, state, applied=len(done), pending=len(waiting), head=head, failed=failed)


def _masked(url: str) -> str:
    from shoring.engines.url import parse_url
    from shoring.errors import ShoringError

    try:
        return parse_url(url).masked()
    except ShoringError:
        return "<unreadable URL>"
