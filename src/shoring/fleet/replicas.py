"""Between waves: each migrated target's replicas must have replayed what it applied.

The history table replicates with everything else, so a replica has caught up with a migration when
its copy of the history shows it applied: the same test on every engine, with no replication
positions to compare."""

from __future__ import annotations

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential

from shoring.fleet.targets import Target


def applied_versions(url: str, history_table: str) -> set[str]:
    from shoring.engines import connect
    from shoring.runner.history import History

    with connect(url, read_only=True) as engine:
        return {v for v, r in History(engine, history_table).rows().items() if r.state in ("applied", "baseline")}


def lagging_replicas(target: Target, history_table: str, timeout: float) -> list[str]:
    """The replicas (masked) still missing a migration the target applied after `timeout` seconds; [] when all caught up."""
    from shoring.engines.url import parse_url

    if not target.replicas:
        return []
    wanted = applied_versions(target.database, history_table)

    def behind() -> list[str]:
        out = []
        for url in target.replicas:
            try:
                if not wanted <= applied_versions(url, history_table):
                    out.append(parse_url(url).masked())
            except Exception as exc:  # noqa: BLE001 - unreachable counts as behind, with the reason
                out.append(f"{parse_url(url).masked()} ({type(exc).__name__}: {exc})")
        return out

    # poll until none is behind; on giving up, the last answer (who is still behind) is the result
    retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_exponential(multiplier=0.05, max=2),
                        retry=retry_if_result(bool), retry_error_callback=lambda state: state.outcome.result())
    return retrying(behind)
