"""Apply over a fleet: the canary alone, then waves of `parallelism` targets at once; the first wave
with a failure (or with replicas that do not catch up) is the last; every target's state is read
back from its own history afterwards, so the report is what the databases say."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from shoring.config import Settings
from shoring.fleet.replicas import lagging_replicas
from shoring.fleet.state import TargetState, read_state, target_settings
from shoring.fleet.targets import Fleet, Target


@dataclass
class Outcome:
    text: str  # "applied 2 migration(s)", "nothing to apply", "failed: ..."
    failed: bool
    seconds: float


@dataclass
class Rollout:
    waves: list[list[str]]
    states: list[TargetState]
    halted: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.halted is None and all(s.state == "up_to_date" for s in self.states if s.outcome != "not started")

    def as_dict(self) -> dict:
        return {"waves": self.waves, "halted": self.halted, "ok": self.ok, "targets": [s.as_dict() for s in self.states]}


def wave_label(number: int) -> str:
    return "canary" if number == 0 else f"wave {number}"


def apply_one(settings: Settings, target: Target, to: str | None, backup: bool) -> Outcome:
    from shoring.runner.session import open_session
    from shoring.errors import ShoringError
    from shoring.runner.apply import apply

    started = time.monotonic()
    try:
        with open_session(target_settings(settings, target), fast_commits=True) as session:
            results = apply(session, to=to, backup=backup)
    except ShoringError as exc:
        return Outcome(f"failed: {exc.message}", True, time.monotonic() - started)
    except Exception as exc:  # noqa: BLE001 - one target's surprise must not hide the others' state
        return Outcome(f"failed: {type(exc).__name__}: {exc}", True, time.monotonic() - started)
    text = f"applied {len(results)} migration(s)" if results else "nothing to apply"
    return Outcome(text, False, time.monotonic() - started)


def read_states(settings: Settings, fleet: Fleet, parallelism: int) -> list[TargetState]:
    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        return list(pool.map(lambda t: read_state(settings, t), fleet.targets))


def rollout(settings: Settings, fleet: Fleet, *, parallelism: int | None = None, to: str | None = None, backup: bool = True,
            say: Callable[[str], None] = lambda s: None) -> Rollout:
    waves = fleet.waves(parallelism)
    outcomes: dict[str, Outcome] = {}
    halted = None
    for number, wave in enumerate(waves):
        label = wave_label(number)
        say(f"{label}: {', '.join(t.name for t in wave)}")
        with ThreadPoolExecutor(max_workers=len(wave)) as pool:
            results = list(pool.map(lambda t: apply_one(settings, t, to, backup), wave))
        for target, outcome in zip(wave, results):
            outcomes[target.name] = outcome
            say(f"  {target.name}: {outcome.text} ({outcome.seconds:.2f}s)")
        failed = [t.name for t, o in zip(wave, results) if o.failed]
        if failed:
            halted = f"{label} failed on {', '.join(failed)}; the later waves were not started"
            break
        if number < len(waves) - 1:
            behind = {t.name: lag for t in wave if (lag := lagging_replicas(t, settings.history_table, fleet.replica_timeout))}
            if behind:
                halted = (f"after {label}, replicas did not catch up within {fleet.replica_timeout:g}s: "
                          + "; ".join(f"{name}: {', '.join(lag)}" for name, lag in behind.items()) + "; the later waves were not started")
                break
    states = read_states(settings, fleet, parallelism or fleet.parallelism)
    for st in states:
        outcome = outcomes.get(st.name)
        st.outcome = outcome.text if outcome else "not started"
        st.seconds = round(outcome.seconds, 3) if outcome else None
    return Rollout(waves=[[t.name for t in w] for w in waves], states=states, halted=halted)


def plan_fleet(settings: Settings, fleet: Fleet, *, parallelism: int | None = None, to: str | None = None) -> list[dict]:
    """Per target, in rollout order: its wave and what `apply` would run there (nothing is changed)."""
    from shoring.runner.session import open_session
    from shoring.errors import ShoringError
    from shoring.runner.apply import plan_apply

    def one(target: Target) -> dict:
        try:
            with open_session(target_settings(settings, target), read_only=True) as session:
                todo = plan_apply(session, session.history.rows(), to).todo
            return {"pending": [m.version for m in todo], "error": None}
        except ShoringError as exc:
            return {"pending": None, "error": exc.message}
        except Exception as exc:  # noqa: BLE001 - a server that is down: say so for that target
            return {"pending": None, "error": f"{type(exc).__name__}: {exc}"}

    waves = fleet.waves(parallelism)
    order = [(wave_label(n), t) for n, wave in enumerate(waves) for t in wave]
    with ThreadPoolExecutor(max_workers=max(1, parallelism or fleet.parallelism)) as pool:
        found = list(pool.map(lambda item: one(item[1]), order))
    from shoring.fleet.state import _masked

    return [{"name": t.name, "database": _masked(t.database), "wave": label, "replicas": len(t.replicas), **f}
            for (label, t), f in zip(order, found)]
