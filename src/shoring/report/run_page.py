"""`shoring report`: one self-contained HTML page per run, drawn from its run log (.shoring/runs/RUN.jsonl).

The plots are matplotlib figures inlined as SVG (no script, no CDN: the page works offline and can be mailed):
the timeline of migrations and statements, backfill and copy throughput, and lock waits with the sessions we
waited for. Then the pre-migration checklist, the plan and everything the run said.
"""

from __future__ import annotations

import html
import io
from typing import Any

#: colours the plots use (the screenshot test looks for them)
TIMELINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b")
THROUGHPUT_COLOUR = "#d62728"
LOCK_COLOUR = "#e377c2"


def _figure(width: float = 9.0, height: float = 2.8) -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display: drawing to SVG text only
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig: Any) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg")
    text = out.getvalue()
    return text[text.index("<svg"):]  # drop the XML prologue and doctype: the SVG sits inside HTML


def statements_timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """[{version, index, sql, start, end}] from statement_start/end, each statement inside its migration."""
    spans, migration, open_ = [], None, None
    last_t = max((e["t"] for e in events), default=0.0)
    for e in events:
        kind = e["kind"]
        if kind == "migration_start":
            migration = e
        elif kind == "statement_start":
            open_ = {"version": migration["version"] if migration else "?", "index": e.get("index"), "sql": e.get("sql", ""),
                     "start": e["t"], "end": None}
            spans.append(open_)
        elif kind == "statement_end" and open_ is not None:
            open_["end"] = e["t"]
            open_ = None
    for span in spans:
        if span["end"] is None:
            span["end"] = last_t  # a statement that failed or was cut short ends where the log ends
    return spans


#: throughput is measured over windows at least this long (one batch alone is noise)
RATE_WINDOW = 0.5


def throughput(events: list[dict[str, Any]]) -> list[tuple[str, list[float], list[float]]]:
    """[(label, times, rows per second)] per batch loop, over windows of at least RATE_WINDOW seconds."""
    out, current = [], None
    for e in events:
        if e["kind"] == "batches_start":
            current = (e.get("label", "batches"), [], [], [e["t"], e.get("done", 0)])
            out.append(current)
        elif e["kind"] in ("batch", "batches_end") and current is not None:
            t0, rows0 = current[3]
            if e["t"] - t0 >= RATE_WINDOW or (e["kind"] == "batches_end" and e["t"] > t0 and e["done"] > rows0):
                current[1].append(e["t"])
                current[2].append((e["done"] - rows0) / (e["t"] - t0))
                current[3][:] = [e["t"], e["done"]]
    return [(label, ts, rates) for label, ts, rates, _ in out if ts]


def lock_waits(events: list[dict[str, Any]]) -> list[tuple[float, float, int]]:
    """[(t, seconds the statement has waited, sessions blocking it)] from the lock watcher's samples."""
    return [(e["t"], float(e.get("seconds") or 0), len(e.get("blockers") or [])) for e in events
            if e["kind"] == "activity" and e.get("waiting_for")]


def timeline_svg(spans: list[dict[str, Any]]) -> str:
    fig = _figure(height=max(1.6, 0.35 * len(spans) + 1.0))
    ax = fig.add_subplot()
    versions = list(dict.fromkeys(s["version"] for s in spans))
    for row, span in enumerate(spans):
        colour = TIMELINE_COLOURS[versions.index(span["version"]) % len(TIMELINE_COLOURS)]
        width = max(span["end"] - span["start"], 0.002)
        ax.barh(row, width, left=span["start"], color=colour, height=0.7)
    ax.set_yticks(range(len(spans)), [f"{s['version']} #{s['index']}" for s in spans])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the run started")
    ax.set_title("Timeline of statements (one colour per migration)")
    return _svg(fig)


def throughput_svg(series: list[tuple[str, list[float], list[float]]]) -> str:
    fig = _figure()
    ax = fig.add_subplot()
    for n, (label, ts, rates) in enumerate(series):
        ax.plot(ts, rates, color=THROUGHPUT_COLOUR if n == 0 else TIMELINE_COLOURS[n % len(TIMELINE_COLOURS)],
                linewidth=2.5, label=label)
    ax.set_xlabel("seconds since the run started")
    ax.set_ylabel("rows/s")
    ax.set_ylim(bottom=0)
    ax.set_title("Batch throughput")
    ax.legend(loc="lower right")
    return _svg(fig)


def locks_svg(samples: list[tuple[float, float, int]]) -> str:
    fig = _figure()
    ax = fig.add_subplot()
    ax.bar([t for t, _, _ in samples], [s for _, s, _ in samples], width=0.8, color=LOCK_COLOUR,
           label="seconds waited for a lock")
    ax2 = ax.twinx()
    ax2.step([t for t, _, _ in samples], [n for _, _, n in samples], where="mid", color="#7f7f7f",
             label="sessions we waited for")
    ax2.set_ylim(bottom=0)
    ax.set_xlabel("seconds since the run started")
    ax.set_ylabel("seconds waiting")
    ax2.set_ylabel("blocking sessions")
    ax.set_title("Lock waits")
    return _svg(fig)


def render(events: list[dict[str, Any]], run_id: str) -> str:
    """The whole page, as one string."""
    first = events[0] if events else {}
    last = events[-1] if events else {}
    command = first.get("command", "?")
    outcome = last.get("outcome", "still running or cut off") if last.get("kind") == "run_end" else "cut off"
    plan = next((e["plan"] for e in events if e["kind"] == "plan"), None)
    checklist = next((e for e in events if e["kind"] == "checklist"), None)
    spans = statements_timeline(events)
    series = throughput(events)
    waits = lock_waits(events)
    sections = [
        f"<h1>shoring {html.escape(command)}: run {html.escape(run_id)}</h1>",
        f"<p class=meta>started {html.escape(str(first.get('at', '?')))}, "
        f"{float(last.get('t', 0)):.1f}s, outcome <b class='{'ok' if outcome == 'ok' else 'bad'}'>"
        f"{html.escape(str(outcome))}</b>"
        + (f": {html.escape(str(last.get('error')))}" if last.get("error") else "")
        + (f" · {html.escape(plan.get('engine', ''))} {html.escape(str(plan.get('database') or ''))}" if plan else "")
        + "</p>",
        "<h2>Timeline</h2>",
        f"<figure class=plot id=timeline>{timeline_svg(spans)}</figure>" if spans else "<p>No statement ran.</p>",
        "<h2>Throughput</h2>",
        f"<figure class=plot id=throughput>{throughput_svg(series)}</figure>" if series
        else "<p>No batched backfill or copy ran.</p>",
        "<h2>Lock waits and blocked sessions</h2>",
        f"<figure class=plot id=locks>{locks_svg(waits)}</figure>" if waits
        else "<p>No statement was seen waiting for a lock (the watcher samples every second on PostgreSQL and "
             "MariaDB while a statement runs).</p>",
        "<p>Load latency: no load was measured during this run.</p>",
    ]
    if checklist:
        rows = "".join(f"<tr class='{html.escape(i['status'])}'><td>{html.escape(i['status'])}</td>"
                       f"<td>{html.escape(i['text'])}</td><td>{html.escape(i['detail'])}</td></tr>"
                       for i in checklist.get("items", []))
        sections += ["<h2>Pre-migration checklist</h2>", f"<table>{rows}</table>"]
    if plan:
        sections.append("<h2>Plan</h2>")
        for m in plan.get("migrations", []):
            sections.append(f"<h3>{html.escape(m['version'])} {html.escape(m['name'])} · risk {html.escape(m['risk'])}"
                            f" · estimate {html.escape(str((m.get('estimate') or {}).get('text', '?')))}</h3>")
            rows = "".join(
                f"<tr><td>{s['index']}</td><td>{s['line']}</td><td><code>{html.escape(' '.join(s['sql'].split())[:300])}"
                f"</code></td><td>{html.escape(', '.join(f'{k}: {v}' for k, v in (s.get('locks') or {}).items()))}</td>"
                f"<td>{'blocks writes' if s.get('blocks_writes') else ''}</td></tr>" for s in m.get("statements", []))
            sections.append(f"<table><tr><th>#</th><th>line</th><th>SQL</th><th>locks</th><th></th></tr>{rows}</table>")
    said = "\n".join(html.escape(e.get("text", "")) for e in events if e["kind"] == "say")
    sections += ["<h2>What the run said</h2>", f"<pre>{said}</pre>"]
    return PAGE.format(title=html.escape(f"shoring {command} {run_id}"), body="\n".join(sections))


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; color: #222; }}
figure.plot {{ margin: 0; }} figure.plot svg {{ width: 100%; height: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.3em; text-align: left; vertical-align: top; }}
tr.fail td:first-child, .bad {{ color: #b00; }} tr.ok td:first-child, .ok {{ color: #070; }}
pre {{ background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }}
.meta {{ color: #555; }}
</style></head>
<body>
{body}
</body></html>
"""
