"""Seconds for a statement or a migration: its work priced at the best rate known, said with its source."""

from __future__ import annotations

from shoring.plan.model import Estimate, Work
from shoring.plan.rates import BATCH_OVERHEAD, CONCURRENT_INDEX_FACTOR, STATEMENT_OVERHEAD, Rates, weakest
from shoring.plan.volume import Volumes
from shoring.report.schema_text import human_rows


def work_seconds(w: Work, rates: Rates, volumes: Volumes) -> tuple[float | None, str, str]:
    """(seconds, source, detail) of one work item."""
    if w.kind == "opaque" or w.rows is None:
        return None, "unknown", w.rows_note or "unknown"
    vol = volumes.get(w.table)
    row_bytes = (vol.bytes / vol.rows) if vol.bytes and vol.rows else None
    rate = rates.rate(w.kind, w.table, row_bytes, w.columns)
    seconds = w.rows * rate.us_per_row / 1e6
    why = rate.detail if rate.source in ("assumed", "history") else rate.source
    detail = f"{w.kind} of {w.table}: {w.rows:,} rows × {rate.us_per_row:.2f} µs ({why})"
    if w.kind == "index" and w.concurrently:
        seconds *= CONCURRENT_INDEX_FACTOR
        detail += f" × {CONCURRENT_INDEX_FACTOR} (CONCURRENTLY: two passes, plus waits for running transactions)"
    if w.kind == "backfill" and w.batches and rate.whole_loop:
        seconds += w.batches * (w.pause_seconds + rate.per_batch)
        detail += (f" + {w.batches:,} batches × ({w.pause_seconds:g} s pause + {rate.per_batch * 1000:.1f} ms); "
                   f"{rate.detail}")
        return seconds, rate.source, detail
    if w.kind == "backfill" and w.batches:
        seconds += w.batches * (w.pause_seconds + BATCH_OVERHEAD)
        detail += f" + {w.batches:,} batches × ({w.pause_seconds:g} s pause + {BATCH_OVERHEAD * 1000:g} ms)"
    if w.rescanned_rows:
        scan = rates.rate("scan", w.table, row_bytes)
        seconds += w.rescanned_rows * scan.us_per_row / 1e6
        detail += f" + {w.rescanned_rows:,} rows read again to find batches × {scan.us_per_row:.2f} µs ({scan.source})"
    return seconds, rate.source, detail


def statement_estimate(work: list[Work], rates: Rates, volumes: Volumes, engine: str, tables: list[str],
                       opaque: bool = False) -> Estimate:
    basis = size_basis([w.table for w in work if w.table] or tables, volumes)
    if opaque:
        return Estimate(None, "unknown", basis, "procedural code the analysis cannot read")
    if not work:
        return Estimate(STATEMENT_OVERHEAD[engine], "metadata", "metadata only" + (f"; {basis}" if basis else ""),
                        "catalog change only: no rows are read or written")
    total = STATEMENT_OVERHEAD[engine]
    sources, details = [], []
    for w in work:
        seconds, source, detail = work_seconds(w, rates, volumes)
        details.append(detail)
        sources.append(source)
        if seconds is None:
            return Estimate(None, "unknown", basis or "table size unknown", "; ".join(details))
        total += seconds
    return Estimate(total, weakest(sources), basis, "; ".join(details))


def size_basis(tables: list[str], volumes: Volumes) -> str:
    """ "table has ~10k rows" / "users ~10k rows, orders ~2M rows" / "" when nothing is known."""
    seen = []
    for t in tables:
        if t and t not in seen:
            seen.append(t)
    parts = []
    for t in seen:
        vol = volumes.get(t)
        if vol.source.startswith("created by this plan") and vol.rows == 0:
            parts.append((t, "new, empty table"))
        elif vol.rows is not None:
            parts.append((t, f"has {human_rows(vol.rows)}"))
        else:
            parts.append((t, "size unknown"))
    if not parts:
        return ""
    if len(parts) == 1:
        t, text = parts[0]
        return f"table {text}" if text.startswith("has") else f"{t}: {text}"
    return ", ".join(f"{t} {text.removeprefix('has ')}" for t, text in parts)


def sum_estimates(estimates: list[Estimate], basis: str) -> Estimate:
    if not estimates:
        return Estimate(0.0, "metadata", basis, "no statements")
    if any(e.seconds is None for e in estimates):
        unknown = [e for e in estimates if e.seconds is None]
        return Estimate(None, "unknown", basis, f"{len(unknown)} statement(s) of unknown duration")
    total = sum(e.seconds for e in estimates)  # type: ignore[misc]
    source = weakest([e.source for e in estimates if e.source != "metadata"])
    return Estimate(total, source, basis, "sum of its statements")
