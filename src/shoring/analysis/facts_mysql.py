"""MySQL 8.0 and MariaDB 10.11 InnoDB online DDL: ALGORITHM and LOCK of each operation, as data.

Sources: MySQL 8.0 reference manual "Online DDL Operations", MariaDB "InnoDB Online DDL Operations
with ALGORITHM=INSTANT/NOCOPY/INPLACE", and the project's reference notes. Every ALTER also takes a
brief exclusive metadata lock at its start and end; a pending one queues every later query on the
table (set lock_wait_timeout). DDL commits implicitly: it never runs inside a transaction.

Rows: (since version, ALGORITHM, LOCK, rebuilds the table). The last row whose version is not
newer than the server applies.
"""

from __future__ import annotations

from shoring.analysis.catalog import Catalog
from shoring.analysis.model import Effect, Operation
from shoring.analysis.operations import semantics
from shoring.analysis.versions import ServerVersion

Row = tuple[tuple[int, ...], str, str, bool]
INSTANT, NOCOPY, INPLACE, COPY, UNKNOWN = "INSTANT", "NOCOPY", "INPLACE", "COPY", "UNKNOWN"
NONE, SHARED, EXCLUSIVE = "NONE", "SHARED", "EXCLUSIVE"
_0 = (0,)

FACTS: dict[tuple[str, str], dict[str, tuple[Row, ...]]] = {
    ("add_column", "plain"): {
        "mysql": ((_0, INPLACE, NONE, True), ((8, 0, 12), INSTANT, NONE, False)),
        "mariadb": ((_0, INPLACE, NONE, True), ((10, 3, 2), INSTANT, NONE, False)),
    },
    ("add_column", "positioned"): {
        "mysql": ((_0, INPLACE, NONE, True), ((8, 0, 29), INSTANT, NONE, False)),
        "mariadb": ((_0, INPLACE, NONE, True), ((10, 4), INSTANT, NONE, False)),
    },
    ("add_column", "auto_increment"): {"mysql": ((_0, INPLACE, SHARED, True),), "mariadb": ((_0, INPLACE, SHARED, True),)},
    ("add_column", "generated_stored"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    ("add_column", "generated_virtual"): {
        "mysql": ((_0, INPLACE, NONE, False), ((8, 0, 12), INSTANT, NONE, False)),
        "mariadb": ((_0, INPLACE, NONE, False), ((10, 4), INSTANT, NONE, False)),
    },
    ("add_column", "expression_default"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    ("add_column", "indexed"): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
    # on a table that already has a FULLTEXT index, or an index on a virtual column (MariaDB 10.11 measured,
    # tests/plan/mariadb_ddl_cases.py; MySQL 8.0's manual also refuses INSTANT with a FULLTEXT index)
    ("add_column", "fulltext_table"): {"mysql": ((_0, INPLACE, SHARED, True),), "mariadb": ((_0, INPLACE, SHARED, True),)},
    ("drop_column", "fulltext_table"): {"mysql": ((_0, INPLACE, SHARED, True),), "mariadb": ((_0, INPLACE, SHARED, True),)},
    ("add_column", "indexed_virtual_table"): {"mysql": ((_0, INPLACE, SHARED, True),), "mariadb": ((_0, INPLACE, SHARED, True),)},
    ("drop_column", "indexed_virtual"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, NOCOPY, NONE, False),)},
    ("create_index", "another_fulltext"): {"mysql": ((_0, INPLACE, SHARED, False),), "mariadb": ((_0, NOCOPY, SHARED, False),)},
    ("drop_column", ""): {
        "mysql": ((_0, INPLACE, NONE, True), ((8, 0, 29), INSTANT, NONE, False)),
        "mariadb": ((_0, INPLACE, NONE, True), ((10, 4), INSTANT, NONE, False)),
    },
    ("rename_column", ""): {
        "mysql": ((_0, INPLACE, NONE, False), ((8, 0, 28), INSTANT, NONE, False)),
        "mariadb": ((_0, INPLACE, NONE, False), ((10, 4), INSTANT, NONE, False)),
    },
    ("alter_column_type", "rewrite"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    # the column's definition before the change is not known (no live schema, not created by the migrations):
    # a widening is INSTANT or INPLACE, anything else COPY; the lock is the worst it may take
    ("alter_column_type", "unknown"): {"mysql": ((_0, UNKNOWN, SHARED, False),), "mariadb": ((_0, UNKNOWN, SHARED, False),)},
    ("alter_column_type", "varchar_grow"): {
        "mysql": ((_0, INPLACE, NONE, False),),
        "mariadb": ((_0, INPLACE, NONE, False), ((10, 4, 3), INSTANT, NONE, False)),
    },
    ("alter_column_type", "enum_append"): {"mysql": ((_0, INSTANT, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("set_not_null", ""): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
    # MariaDB makes a column nullable instantly only in ROW_FORMAT=REDUNDANT tables; the default DYNAMIC
    # format rebuilds in place (MariaDB 10.11: ALGORITHM=INSTANT refused, "Try ALGORITHM=INPLACE")
    ("drop_not_null", ""): {
        "mysql": ((_0, INPLACE, NONE, True),),
        "mariadb": ((_0, INPLACE, NONE, True),),
    },
    ("set_default", ""): {"mysql": ((_0, INSTANT, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("drop_default", ""): {"mysql": ((_0, INSTANT, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("create_index", ""): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, NOCOPY, NONE, False),)},
    ("create_index", "fulltext"): {"mysql": ((_0, INPLACE, SHARED, True),), "mariadb": ((_0, INPLACE, SHARED, True),)},
    ("drop_index", ""): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, NOCOPY, NONE, False),)},
    ("rename_index", ""): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("add_constraint", "primary_key"): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
    ("add_constraint", "foreign_key"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    ("add_constraint", "foreign_key_unchecked"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, NOCOPY, NONE, False),)},
    ("add_constraint", "check"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    ("drop_constraint", ""): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("drop_constraint", "primary_key"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    # DROP PRIMARY KEY, ADD PRIMARY KEY (...) in one ALTER: rebuilt in place, writes go on (MySQL manual; MariaDB 10.11)
    ("drop_constraint", "primary_key_replaced"): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
    ("rebuild_table", ""): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
    ("rebuild_table", "convert_charset"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    ("rebuild_table", "system_versioning"): {"mysql": ((_0, COPY, SHARED, True),), "mariadb": ((_0, COPY, SHARED, True),)},
    # ALTER INDEX i [IN]VISIBLE (MariaDB: [NOT] IGNORED) changes only metadata
    ("alter_table_other", "alter_index"): {"mysql": ((_0, INSTANT, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    # ALTER TABLE t RENAME TO u (RENAME TABLE is a statement of its own, with no ALGORITHM). MariaDB 10.11
    # refuses LOCK=NONE/SHARED for it; MySQL 8.0's manual lists it as instant, with concurrent DML
    ("rename_table", "alter"): {"mysql": ((_0, INSTANT, NONE, False),), "mariadb": ((_0, INSTANT, EXCLUSIVE, False),)},
    ("alter_table_other", ""): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INPLACE, NONE, False),)},
    # RENAME INDEX (read as a generic ALTER) and a MODIFY that changes only the comment: MariaDB 10.11 takes
    # ALGORITHM=INSTANT for both
    ("alter_table_other", "rename_index"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("alter_table_other", "modify_unchanged"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    # table options: MariaDB 10.11 checked on the server (tests/plan/mariadb_ddl_cases.py). MySQL 8.0 is not
    # checked on a server: InnoDB's source lists a changed table option (CHANGE_CREATE_OPTION) among the
    # in-place ones, not the instant ones, rebuilding for ROW_FORMAT / KEY_BLOCK_SIZE; the manual says a new
    # default character set may rebuild
    ("set_table_options", "comment"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("set_table_options", "metadata"): {"mysql": ((_0, INPLACE, NONE, False),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("set_table_options", "default_charset"): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INSTANT, NONE, False),)},
    ("set_table_options", "rebuild"): {"mysql": ((_0, INPLACE, NONE, True),), "mariadb": ((_0, INPLACE, NONE, True),)},
}
#: ALTER TABLE option (the reader's subtype) -> its row above; others have no facts yet
TABLE_OPTIONS = {
    "comment": "comment", "auto_increment": "metadata", "stats_persistent": "metadata", "stats_auto_recalc": "metadata",
    "stats_sample_pages": "metadata", "default_charset": "default_charset", "default_collate": "default_charset",
    "row_format": "rebuild", "key_block_size": "rebuild",
}

#: Statements that are not ALTERs: the lock they hold on the table (metadata or row locks).
TABLE_LOCKS: dict[str, str] = {
    "create_table": EXCLUSIVE, "drop_table": EXCLUSIVE, "rename_table": EXCLUSIVE, "truncate": EXCLUSIVE,
    "update": "ROW", "delete": "ROW", "insert": "ROW", "create_trigger": EXCLUSIVE, "drop_trigger": EXCLUSIVE,
    "lock_table": EXCLUSIVE,
}
_NOT_ALTER = frozenset(TABLE_LOCKS) | {"select", "set", "reset", "transaction", "create_view", "drop_view",
                                       "create_database", "drop_database", "create_function", "drop_function",
                                       "other", "do_block", "comment", "grant"}
_ALGORITHM_RANK = {INSTANT: 0, NOCOPY: 1, INPLACE: 2, COPY: 3, "DEFAULT": -1}
_LOCK_RANK = {NONE: 0, SHARED: 1, EXCLUSIVE: 2, "DEFAULT": -1}


#: Bytes a character takes at most, per character set (what VARCHAR(n)'s length prefix counts).
CHARSET_BYTES = {"latin1": 1, "ascii": 1, "binary": 1, "latin2": 1, "cp1250": 1, "cp1251": 1, "cp1252": 1,
                 "ucs2": 2, "utf8mb3": 3, "utf8": 3, "utf16": 4, "utf16le": 4, "utf32": 4, "utf8mb4": 4}


def _varchar_stays_in_place(old_chars: int, new_chars: int, charset: str | None, version: ServerVersion) -> bool:
    """Whether growing VARCHAR(old) to VARCHAR(new) in one character set keeps the stored rows valid.

    The length prefix is 1 byte up to 255 bytes, else 2 (bytes: characters times the character set's
    widest character; utf8mb4 when the set is not known). MariaDB also grows a column of at most 127
    bytes past 255 in place: its stored lengths are all below 128, which read the same either way
    (MariaDB 10.11, tests/plan/mariadb_ddl_cases.py: latin1 VARCHAR(20) utf8mb4 -> VARCHAR(70) INSTANT).
    """
    width = CHARSET_BYTES.get(charset or "utf8mb4", 4)
    old_bytes, new_bytes = old_chars * width, new_chars * width
    if new_chars < old_chars:
        return False
    if (old_bytes <= 255) == (new_bytes <= 255):
        return True
    most = version.server.inplace_varchar_bytes
    return most is not None and old_bytes <= most


def _varchar_len(type_text: str | None) -> int | None:
    try:
        return int(type_text[len("varchar("):].rstrip(")")) if type_text and type_text.startswith("varchar(") else None
    except ValueError:
        return None


def enum_change(old: tuple[str, ...] | None, new: tuple[str, ...] | None) -> str:
    """"append" (new members only at the end), "reorder" (members moved or removed), or "unknown"."""
    if old is None or new is None:
        return "unknown"
    if tuple(new[: len(old)]) == tuple(old) and len(new) <= 255:
        return "append"
    return "reorder"


def variant(op: Operation, version: ServerVersion, catalog: Catalog) -> str:
    k = op.kind
    table = catalog.tables.get(op.table or "") if op.table else None
    if k in ("add_column", "drop_column") and table is not None and table.fulltext:
        return "fulltext_table"  # InnoDB's FTS_DOC_ID: the table is rebuilt in place, writes blocked
    if k == "drop_column" and table is not None and op.column in table.indexed_virtual:
        return "indexed_virtual"
    if k == "add_column" and table is not None and table.indexed_virtual:
        return "indexed_virtual_table"
    if k == "add_column":
        spec = op.get("spec")
        if spec is None:
            return "plain"
        if spec.serial:
            return "auto_increment"
        if spec.generated == "stored":
            return "generated_stored"
        if spec.generated == "virtual":
            return "generated_virtual"
        if spec.default_kind in ("expression", "volatile", "unknown"):
            return "expression_default"
        if spec.default_kind == "statement_expression" and not version.server.instant_expression_default:
            return "expression_default"  # MariaDB computes DEFAULT (now()) once; MySQL's is not checked on a server
        if spec.unique or spec.primary_key:
            return "indexed"
        return "positioned" if op.get("position") else "plain"
    if k == "alter_column_type":
        old, new = op.get("old_type"), op.get("type")
        if old in (None, "unknown"):  # "unknown": a column plan knows exists, not how it is defined
            return "unknown"
        if old and new and old.split("(")[0] in ("enum", "set") and new.split("(")[0] == old.split("(")[0]:
            spec = op.get("spec")
            return "enum_append" if enum_change(op.get("old_enum"), spec.enum_values if spec else None) == "append" else "rewrite"
        ol, nl = _varchar_len(old), _varchar_len(new)
        if ol is None or nl is None:
            return "rewrite"
        table = catalog.tables.get(op.table or "")
        column = catalog.column(op.table, op.column) if op.table and op.column else None
        old_charset = op.get("old_charset") or (column.charset if column is not None else None)
        spec = op.get("spec")
        # a column redefined without CHARACTER SET takes the table's default: a different set is a conversion
        new_charset = (spec.charset if spec is not None else None) or (table.charset if table is not None else None)
        if old_charset and new_charset and old_charset != new_charset:
            return "rewrite"
        return "varchar_grow" if _varchar_stays_in_place(ol, nl, old_charset or new_charset, version) else "rewrite"
    if k == "create_index":
        if (op.get("index_type") or "") in ("fulltext", "spatial"):
            # the first FULLTEXT index adds the hidden FTS_DOC_ID column (a rebuild); later ones do not
            return "another_fulltext" if op.get("index_type") == "fulltext" and table is not None and table.fulltext else "fulltext"
        return ""
    if k == "add_constraint":
        c = op.get("constraint")
        if c == "foreign_key" and op.get("foreign_key_checks_off"):
            return "foreign_key_unchecked"
        return c or ""
    if k == "drop_constraint":
        if op.get("constraint") == "primary_key":
            return "primary_key_replaced" if op.get("replaced") else "primary_key"
        return ""
    if k == "alter_table_other":
        return {"RenameIndex": "rename_index", "modify_unchanged": "modify_unchanged",
                "AlterIndex": "alter_index"}.get(op.get("subtype") or "", "")
    if k == "rebuild_table":
        reason = op.get("reason") or ""
        return "convert_charset" if "CONVERT" in reason else "system_versioning" if "VERSIONING" in reason else ""
    if k == "set_table_options":
        return TABLE_OPTIONS.get(op.get("subtype") or "", "")
    return ""


def _pick(rows: tuple[Row, ...], version: ServerVersion) -> Row:
    chosen = rows[0]
    for row in rows:
        if version.numbers >= row[0]:
            chosen = row
    return chosen


def effect(op: Operation, version: ServerVersion, catalog: Catalog) -> Effect:
    compatible, destructive = semantics(op.kind)
    table = op.table
    if op.kind == "drop_index" and not table:
        table = catalog.index_table.get(op.name)
    if op.kind == "rename_table" and op.get("alter"):
        key = ("rename_table", "alter")
    else:
        key = None if op.kind in _NOT_ALTER else (op.kind, variant(op, version, catalog))
    if key not in FACTS:
        lock = TABLE_LOCKS.get(op.kind)
        return Effect(
            locks={table: lock} if table and lock else {},
            scans=(table,) if op.kind in ("update", "delete") and not op.get("batched") and table else (),
            transactional=op.kind in ("update", "delete", "insert", "select", "set", "transaction", "lock_table"),
            backward_compatible=compatible, destructive=destructive,
        )
    _, algorithm, lock, rebuild = _pick(FACTS[key][version.flavour], version)
    own_lock = lock  # what the change itself needs (an instant RENAME still wants LOCK=EXCLUSIVE)
    if key[1] in ("varchar_grow", "enum_append"):
        compatible = True  # values the old code writes still fit
    note = ""
    supported = True
    wanted_alg = (op.get("algorithm") or "DEFAULT").upper()
    wanted_lock = (op.get("lock") or "DEFAULT").upper()
    if algorithm == UNKNOWN:
        note = "the column's definition before the change is not known: INSTANT or INPLACE if it only widens, else COPY"
        if _ALGORITHM_RANK.get(wanted_alg, -1) >= 0:
            algorithm, rebuild = wanted_alg, wanted_alg == COPY  # the server does it that way, or refuses
            note = f"ALGORITHM={wanted_alg} as asked, if the server can (the column's old definition is not known)"
        if _LOCK_RANK.get(wanted_lock, -1) >= 0:
            lock = wanted_lock
        wanted_alg = wanted_lock = "DEFAULT"
    if _ALGORITHM_RANK.get(wanted_alg, -1) >= 0:
        if _ALGORITHM_RANK[wanted_alg] < _ALGORITHM_RANK[algorithm]:
            supported = False
            note = f"the server refuses ALGORITHM={wanted_alg}: this change needs {algorithm}"
        elif _ALGORITHM_RANK[wanted_alg] > _ALGORITHM_RANK[algorithm]:
            algorithm = wanted_alg
            if algorithm == COPY:
                rebuild = True
                lock = SHARED if lock == NONE else lock
    if _LOCK_RANK.get(wanted_lock, -1) >= 0:
        if _LOCK_RANK[wanted_lock] < _LOCK_RANK[lock]:
            supported = False
            note = note or f"the server refuses LOCK={wanted_lock}: this change needs LOCK={lock}"
        else:
            lock = wanted_lock
    if algorithm == INSTANT:
        lock = own_lock if own_lock != SHARED else NONE
    if algorithm == COPY and lock == NONE:
        lock = SHARED  # a table copy cannot take concurrent writes
    return Effect(
        locks={table: lock} if table else {},
        rewrites=(table,) if rebuild and table else (),
        scans=(table,) if (rebuild or key in (("create_index", ""), ("add_constraint", "foreign_key_unchecked"))) and table else (),
        transactional=False,
        backward_compatible=compatible,
        destructive=destructive,
        online_ddl=(algorithm, lock),
        supported=supported,
        note=note,
    )


def refine(ops: list[Operation], catalog: Catalog, session: dict[str, str]) -> list[Operation]:
    """MODIFY restates the whole column: against the catalog it becomes the changes it really makes;
    DROP + ADD PRIMARY KEY is one rebuild; foreign_key_checks=0 makes ADD FOREIGN KEY in place."""
    from shoring.analysis.sqlglot_reader import refine_modify

    out: list[Operation] = []
    adds_primary_key = any(op.kind == "add_constraint" and op.get("constraint") == "primary_key" for op in ops)
    for op in ops:
        if adds_primary_key and op.kind == "drop_constraint" and op.get("constraint") == "primary_key":
            op.attrs["replaced"] = True  # DROP PRIMARY KEY, ADD PRIMARY KEY (...): one in-place rebuild
        if op.kind == "modify_column":
            out.extend(refine_modify(op, catalog.column(op.table, op.column)))
            continue
        if op.kind == "add_constraint" and op.get("constraint") == "foreign_key":
            if session.get("foreign_key_checks", "1").upper() in ("0", "OFF", "FALSE"):
                op.attrs["foreign_key_checks_off"] = True
        out.append(op)
    return out


def blocks(a, online) -> None:
    """The online DDL algorithm and lock the server picks, and whom they stop: a table copy stops writers."""
    if online is not None:
        a.online_ddl = {"algorithm": online[0], "lock": online[1]}
    modes = set(a.locks.values())
    a.blocks_writes = bool(modes & {"SHARED", "EXCLUSIVE"}) or bool(online and online[0] == "COPY")
    a.blocks_reads = "EXCLUSIVE" in modes
