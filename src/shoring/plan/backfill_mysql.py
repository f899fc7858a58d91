"""Batched backfills on MariaDB written as the seed writes them on PostgreSQL: a loop in an anonymous
compound statement (MariaDB 10.1+), which analysis sees as opaque code.

    BEGIN NOT ATOMIC
      DECLARE batch_size INT DEFAULT 1000;
      DECLARE processed INT DEFAULT 1;
      WHILE processed > 0 DO
        UPDATE users SET email_verified = 0 WHERE email_verified IS NULL LIMIT batch_size;
        SET processed = ROW_COUNT();
        DO SLEEP(0.1);
      END WHILE;
    END

The plan looks inside for a WHILE, REPEAT or LOOP around an UPDATE or DELETE whose batch is its
`LIMIT n` (MySQL takes no LIMIT in an IN subquery): the table, the batch size, the pause (DO or
SELECT SLEEP) and a query for the rows still to do, as `shoring.plan.backfill` reads a DO block.
Outside START TRANSACTION each statement of the block commits by itself: one batch, one transaction.
"""

from __future__ import annotations

import re
from typing import Any

from shoring.plan.backfill import BatchedLoop, DoBlock

_BLOCK = re.compile(r"^\s*(?:\w+\s*:\s*)?BEGIN\s+NOT\s+ATOMIC\b(?P<body>.*)\bEND(?:\s+\w+)?\s*;?\s*$", re.I | re.S)
_DECLARE = re.compile(r"^DECLARE\s+(?P<names>\w+(?:\s*,\s*\w+)*)\s+.*?\bDEFAULT\s+(?P<value>.+)$", re.I | re.S)
_SET = re.compile(r"^SET\s+(?P<name>\w+)\s*=\s*(?P<value>[-+]?[\d.]+)$", re.I | re.S)
#: heads of control statements glued to the statement that follows them (the split is at semicolons)
_LOOP_HEAD = re.compile(r"^(?:\w+\s*:\s*)?(?:WHILE\b.*?\bDO|REPEAT|LOOP)\b\s*", re.I | re.S)
_LOOP_END = re.compile(r"^(?:UNTIL\b.*?\b)?END\s+(?:WHILE|REPEAT|LOOP)\b", re.I | re.S)
_BRANCH_HEAD = re.compile(r"^(?:(?:IF|ELSEIF)\b.*?\bTHEN|ELSE)\b\s*", re.I | re.S)
_SLEEP = re.compile(r"^(?:DO|SELECT)\s+SLEEP\s*\(\s*(?P<seconds>[\w.]+)\s*\)$", re.I)


def read_compound(sql: str) -> DoBlock | None:
    """The batched loops of a BEGIN NOT ATOMIC block, or None when `sql` is not one."""
    m = _BLOCK.match(sql)
    if m is None:
        return None
    values: dict[str, str] = {}
    loops: list[BatchedLoop] = []
    depth = 0
    dml: str | None = None
    pause = 0.0
    commits = not re.search(r"\bSTART\s+TRANSACTION\b|\bBEGIN\s+WORK\b", m.group("body"), re.I)
    others = 0
    for piece in _statements(m.group("body")):
        while True:
            head = _LOOP_HEAD.match(piece)
            if head is None:
                break
            depth += 1
            piece = piece[head.end():]
        branch = _BRANCH_HEAD.match(piece)
        if branch:
            piece = piece[branch.end():]
        if _LOOP_END.match(piece):
            depth -= 1
            if depth == 0 and dml is not None:
                loop = _read_dml(dml, values, pause, commits)
                if loop is not None:
                    loops.append(loop)
                dml, pause = None, 0.0
            continue
        declare = _DECLARE.match(piece) if depth == 0 else None
        assign = _SET.match(piece) if depth == 0 else None
        sleep = _SLEEP.match(piece)
        if declare:
            for name in declare.group("names").split(","):
                values[name.strip().lower()] = declare.group("value").strip()
        elif assign:
            values[assign.group("name").lower()] = assign.group("value")
        elif sleep and depth:
            try:
                pause += float(values.get(sleep.group("seconds").lower(), sleep.group("seconds")))
            except ValueError:
                pass
        elif depth and dml is None and piece[:6].upper() in ("UPDATE", "DELETE"):
            dml = piece
        elif piece[:6].upper() in ("UPDATE", "DELETE", "INSERT"):
            others += 1
    return DoBlock(loops=loops, statements=others, language="mariadb")


def _statements(body: str) -> list[str]:
    """The block's body cut at semicolons outside quotes and comments, comments dropped."""
    out: list[str] = []
    cur: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch in "'\"`":
            end = i + 1
            while end < n:
                if body[end] == "\\" and ch != "`":  # a backslash escape
                    end += 2
                elif body[end] == ch and body.startswith(ch, end + 1):  # a doubled quote
                    end += 2
                elif body[end] == ch:
                    break
                else:
                    end += 1
            cur.append(body[i:end + 1])
            i = end + 1
        elif body.startswith("--", i) or ch == "#":
            i = body.find("\n", i) if "\n" in body[i:] else n
        elif body.startswith("/*", i):
            i = body.find("*/", i) + 2 if "*/" in body[i:] else n
        elif ch == ";":
            out.append("".join(cur).strip())
            cur = []
            i += 1
        else:
            cur.append(ch)
            i += 1
    out.append("".join(cur).strip())
    return [s for s in out if s]


def _read_dml(text: str, values: dict[str, str], pause: float, commits: bool) -> BatchedLoop | None:
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(text, read="mysql")
    except Exception:  # noqa: BLE001 - a statement sqlglot cannot read: the block stays opaque
        return None
    if not isinstance(tree, (exp.Update, exp.Delete)) or not isinstance(tree.this, exp.Table):
        return None
    for column in list(tree.find_all(exp.Column)):
        value = values.get(column.name.lower()) if not column.table else None
        if value is not None:
            try:
                column.replace(sqlglot.parse_one(value, read="mysql"))
            except Exception:  # noqa: BLE001
                return None
    table = tree.this.name
    where = tree.args.get("where")
    limit = tree.args.get("limit")
    size = limit.expression if limit is not None else None
    batch = int(size.this) if isinstance(size, exp.Literal) and size.is_int else None
    remaining = None
    if where is not None and limit is not None:
        remaining = exp.select("1").from_(tree.this.copy()).where(where.this.copy()).sql(dialect="mysql")
    cols = _columns(where)
    return BatchedLoop(kind="update" if isinstance(tree, exp.Update) else "delete", table=table,
                       statement=tree.sql(dialect="mysql"), batch_size=batch, pause_seconds=pause, commits=commits,
                       remaining_sql=remaining, where_columns=cols, pick_columns=cols if limit is not None else [])


def _columns(where: Any) -> list[str]:
    from sqlglot import exp

    out: list[str] = []
    for column in where.find_all(exp.Column) if where is not None else ():
        if column.name not in out:
            out.append(column.name)
    return out
