"""Inputs that look like what users write, bent the ways files and URLs get bent; and the hypothesis
profile every fuzzer here runs under.

`make test` runs a few cases per fuzzer so the suite stays fast; the CI-sized form runs as many as
SHORING_FUZZ_EXAMPLES says:  SHORING_FUZZ_EXAMPLES=10000 pytest tests/fuzz
(no conftest.py here: a second conftest module would shadow tests/conftest.py for `from conftest import`)
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


EXAMPLES = int(os.environ.get("SHORING_FUZZ_EXAMPLES", "20"))

settings.register_profile(
    "shoring",
    max_examples=EXAMPLES,
    deadline=None,  # a slow case is not a defect; a traceback is
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    print_blob=True,  # a failure prints the blob that reproduces it
    # the few cases of `make test` are the same every run (a suite that fails at random helps no one);
    # the CI-sized run explores new ones each time
    derandomize="SHORING_FUZZ_EXAMPLES" not in os.environ,
)
settings.load_profile("shoring")

#: Pieces of SQL that change how text is read: quotes, comments, dollar quotes, routine bodies, DELIMITER.
SQL_PIECES = [
    "'", '"', "`", "''", '""', "\\", "\\'", "E'", "$$", "$tag$", "$1", "--", "-- x\n", "#", "/*", "*/", "/* /* */",
    ";", ";\n", "\n", "\r\n", " ", "\t", "(", ")", "[", "]", "BEGIN", "END", "END;", "CASE", "ATOMIC",
    "CREATE FUNCTION f() RETURNS int AS ", "CREATE PROCEDURE p() ", "CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW ",
    "BEGIN ATOMIC ", "DELIMITER //\n", "DELIMITER ;\n", "//", "CREATE TABLE t (id int)", "SELECT 1", "INSERT INTO t VALUES (",
    "U&'", "U&\"", "b'", "x'", "N'", "é", "\u00a0", "\ufeff", "\x00", "%", "%s", "?", ":name",
]

sql_text = st.lists(st.one_of(st.sampled_from(SQL_PIECES), st.text(max_size=8)), max_size=40).map("".join)

HEADER_KEYS = [
    "Purpose", "Migration", "Date", "Author", "Issue", "Breaking-Changes", "Breaking Changes", "Rollback",
    "Estimated-Time", "Estimated Execution Time", "Transaction", "Depends", "Idempotent", "Lossy-Rollback",
    "Phase", "Transacton", "Depend", "transaction", "Idempotant", "X-Custom",
]
HEADER_VALUES = ["true", "false", "yes", "maybe", "", " ", "1", "20240101000000", "1, 2", "users, orders", "é", "\t"]

header_line = st.one_of(
    st.builds(lambda k, sep, v: f"-- {k}{sep}{v}", st.sampled_from(HEADER_KEYS), st.sampled_from([":", ": ", " :", "::", ""]),
              st.one_of(st.sampled_from(HEADER_VALUES), st.text(max_size=12))),
    st.sampled_from(["--", "-- ", "", "   ", "-- migrate:up", "-- migrate:down", "--migrate:up", "-- migrate:dwon",
                     "-- migrate:up transaction:false", "-- migrate:up transaction:maybe", "SELECT 1;"]),
    st.text(max_size=20).map(lambda t: "-- " + t),
)


def mutated(data: bytes) -> st.SearchStrategy[bytes]:
    """`data` with a few bytes inserted, deleted, replaced or a span duplicated: what editors, merges
    and disks do to files."""

    def apply(edits: list[tuple[int, int, int, bytes]]) -> bytes:
        out = bytearray(data)
        for kind, at, length, junk in edits:
            at = at % (len(out) + 1)
            if kind == 0:
                out[at:at] = junk
            elif kind == 1:
                del out[at:at + length]
            elif kind == 2:
                out[at:at + len(junk)] = junk
            else:
                out[at:at] = out[at:at + length]
        return bytes(out)

    edit = st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(1, 12),
                     st.one_of(st.sampled_from([p.encode("utf-8", "surrogatepass") for p in SQL_PIECES]),
                               st.text(min_size=1, max_size=4).map(lambda t: t.encode("utf-8", "surrogatepass")),
                               st.binary(min_size=1, max_size=3)))
    return st.lists(edit, min_size=1, max_size=4).map(apply)


def one_line(message: str) -> bool:
    """One line, no traceback: the only form an error may take."""
    return "\n" not in message.strip() and "Traceback" not in message
