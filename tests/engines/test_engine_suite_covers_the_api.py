"""The suite runs every public member of the Engine classes: one added without a test here fails this."""

from __future__ import annotations

import re
from pathlib import Path

from shoring.engines import ENGINES, engine_class
from shoring.engines.base import Engine

#: members the suite does not call by name, and why
NOT_CALLED = {
    "ANALYZE": "the statement analyze() runs",
    "COUNT_SECONDS": "SQLite's bound on the counting inside explain_rows()",
    "conn_open": "MariaDB's own helper for its error messages",
    "shielded": "the history's guard against max_blocking's cancel (tests/runner/test_max_blocking_shield.py)",
    "scratch_session": "MariaDB's own: rehearsal and calibrate copy rows with it (tests/rehearsal)",
}


def test_every_public_engine_member_is_exercised_by_the_suite():
    members = {n for cls in (Engine, *(engine_class(e) for e in ENGINES)) for n in vars(cls) if not n.startswith("_")}
    suite = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_*.py")
                    if p.name != Path(__file__).name)
    untested = sorted(n for n in members - set(NOT_CALLED) if not re.search(rf"\.{n}\b", suite))
    assert untested == [], f"Engine members no conformance test uses: {untested}"
    assert set(NOT_CALLED) <= members, "NOT_CALLED names a member that is gone"
