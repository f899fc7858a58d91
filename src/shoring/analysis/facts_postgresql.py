"""PostgreSQL 11-17: the lock each statement form takes, and whether it rewrites or scans, as data.

Sources: the PostgreSQL documentation (ALTER TABLE "the lock acquired will be...", explicit-locking,
CREATE INDEX, REINDEX, ALTER TYPE) and the hazards table in the project's reference notes.
Each entry is keyed by (operation kind, variant); `variant()` is the only code that looks at an
operation to pick the row. Rows carry `since`: the first major version the row applies to, so one
key can hold the behaviour before and after a release changed it.
"""

from __future__ import annotations

from dataclasses import dataclass

from shoring.analysis.catalog import Catalog
from shoring.analysis.model import PG_BLOCKS_READS, PG_BLOCKS_WRITES, Effect, Operation, stronger
from shoring.analysis.operations import semantics
from shoring.analysis.versions import ServerVersion

AS, RS, RE = "AccessShareLock", "RowShareLock", "RowExclusiveLock"
SUE, S, SRE = "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock"
E, A = "ExclusiveLock", "AccessExclusiveLock"


@dataclass(frozen=True)
class Fact:
    locks: tuple[tuple[str, str], ...] = ()  # (role, mode); roles resolve to relation names below
    rewrite: bool = False
    scan: bool = False
    transactional: bool = True
    since: tuple[int, ...] = (0,)
    compatible: bool | None = None  # overrides the kind's semantics when set
    note: str = ""


def _f(*locks: tuple[str, str], **kw) -> tuple[Fact, ...]:
    return (Fact(locks=tuple(locks), **kw),)


T = "table"
FACTS: dict[tuple[str, str], tuple[Fact, ...]] = {
    ("create_table", ""): _f((T, A), ("referenced", SRE), ("sources", AS)),  # sources: the tables of LIKE t
    # IF NOT EXISTS for a table that exists / IF EXISTS for one that does not: the server locks nothing
    ("create_table", "exists"): _f(note="the table exists: IF NOT EXISTS makes it a no-op"),
    ("drop_table", "missing"): _f(note="no such table: IF EXISTS makes it a no-op"),
    ("drop_index", "missing"): _f(note="no such index: IF EXISTS makes it a no-op"),
    ("create_index", "exists"): _f((T, S), note="the index exists: IF NOT EXISTS skips the build"),
    ("create_table", "as_select"): _f((T, A), ("sources", AS), scan=True),
    ("create_table", "partition_of"): _f((T, A), ("parent", A), ("referenced", SRE)),
    # a foreign key's triggers on the referenced table are dropped with it (checked on PostgreSQL 15)
    ("drop_table", ""): _f((T, A), ("referenced", A)),
    ("rename_table", ""): _f((T, A)),
    ("truncate", ""): _f((T, A)),
    # an inline REFERENCES also takes SHARE ROW EXCLUSIVE on the referenced table (checked on PostgreSQL 15)
    ("add_column", "plain"): _f((T, A), ("referenced", SRE), note="metadata only"),
    ("add_column", "default"): (
        Fact(((T, A), ("referenced", SRE)), rewrite=True, note="a default rewrites the table before PostgreSQL 11"),
        Fact(((T, A), ("referenced", SRE)), since=(11,), note="a non-volatile default is stored in the catalog (PostgreSQL 11+)"),
    ),
    ("add_column", "volatile_default"): _f((T, A), ("referenced", SRE), rewrite=True, note="a volatile default is computed for every row"),
    ("add_column", "generated_stored"): _f((T, A), ("referenced", SRE), rewrite=True, note="a stored generated column is computed for every row"),
    ("add_column", "serial"): _f((T, A), ("referenced", SRE), rewrite=True, note="a serial column fills every row from its sequence"),
    ("add_column", "identity"): _f((T, A), ("referenced", SRE), rewrite=True, note="an identity column fills every row from its sequence"),
    ("add_column", "not_null_no_default"): _f((T, A), ("referenced", SRE), compatible=False, note="fails on a table with rows"),
    ("add_column", "indexed"): _f((T, A), ("referenced", SRE), scan=True, note="builds a unique index while holding the lock"),
    ("add_column", "check"): _f((T, A), ("referenced", SRE), scan=True,
                                note="checks every row against the new CHECK while holding the lock"),
    ("drop_column", ""): _f((T, A), note="metadata only; the space is reclaimed by later rewrites"),
    ("rename_column", ""): _f((T, A)),
    # a foreign key on the column is dropped and added again: the referenced table is locked too
    ("alter_column_type", "rewrite"): _f((T, A), ("referenced", A), rewrite=True, note="rewrites the table and rebuilds its indexes"),
    ("alter_column_type", "coercible"): _f((T, A), ("referenced", A), compatible=True, note="binary-coercible: no rewrite"),
    ("alter_column_type", "coercible_checked"): _f((T, A), ("referenced", A), scan=True, compatible=True,
                                                   note="binary-coercible: no rewrite, but the CHECK constraints on "
                                                        "the column are checked again (a scan)"),
    ("set_not_null", ""): _f((T, A), scan=True, note="scans the whole table while holding the lock"),
    ("set_not_null", "checked"): (Fact(((T, A),), since=(12,), note="a valid CHECK (c IS NOT NULL) proves it: no scan"),),
    ("drop_not_null", ""): _f((T, A)),
    ("set_default", ""): _f((T, A)),
    ("drop_default", ""): _f((T, A)),
    ("add_constraint", "check"): _f((T, A), scan=True, note="checks every row while holding the lock"),
    ("add_constraint", "check_not_valid"): _f((T, A), note="NOT VALID: no scan"),
    ("add_constraint", "foreign_key"): _f((T, SRE), ("referenced", SRE), scan=True, note="checks every row while both tables are locked"),
    ("add_constraint", "foreign_key_not_valid"): _f((T, SRE), ("referenced", SRE), note="NOT VALID: no scan"),
    ("add_constraint", "unique"): _f((T, A), scan=True, note="builds a unique index while holding the lock"),
    ("add_constraint", "unique_using_index"): _f((T, A), note="adopts an existing index: brief"),
    ("add_constraint", "primary_key"): _f((T, A), scan=True, note="builds a unique index while holding the lock"),
    ("add_constraint", "primary_key_using_index"): _f((T, A), note="adopts an existing index; scans for NULLs unless the columns are NOT NULL"),
    ("add_constraint", "exclude"): _f((T, A), scan=True, note="builds an exclusion index while holding the lock"),
    ("add_constraint", "not_null"): _f((T, A), scan=True),
    ("validate_constraint", ""): _f((T, SUE), scan=True, note="scans, but reads and writes go on"),
    ("validate_constraint", "foreign_key"): _f((T, SUE), ("referenced", RS), scan=True,
                                               note="scans, but reads and writes go on (both tables)"),
    ("drop_constraint", ""): _f((T, A)),
    ("drop_constraint", "foreign_key"): _f((T, A), ("referenced", A), note="also drops the referenced table's triggers"),
    ("create_index", ""): _f((T, S), scan=True, note="blocks writes while the index is built"),
    ("create_index", "concurrently"): _f((T, SUE), scan=True, transactional=False, note="reads and writes go on; two scans"),
    ("drop_index", ""): _f((T, A), ("index", A)),
    ("drop_index", "concurrently"): _f((T, SUE), ("index", SUE), transactional=False,
                                      note="waits for queries using the index, without blocking them"),
    ("rename_index", ""): (Fact((("index", A),)), Fact((("index", SUE),), since=(12,))),
    ("reindex", "index"): _f((T, S), ("index", A), scan=True, note="queries planning on the table wait for the index"),
    ("reindex", "table"): _f((T, S), ("indexes", A), scan=True, note="queries planning on the table wait for its indexes"),
    ("reindex", "many"): _f(transactional=False, scan=True, note="every table of the schema or database in turn"),
    ("reindex", "concurrently"): (Fact(((T, SUE),), scan=True, transactional=False, since=(12,)),),
    ("attach_partition", ""): (
        Fact(((T, A), ("partition", A)), scan=True),
        Fact(((T, SUE), ("partition", A)), scan=True, since=(12,), note="scans the partition unless a CHECK proves the bound"),
    ),
    ("detach_partition", ""): _f((T, A), ("partition", A)),
    ("detach_partition", "concurrently"): (Fact(((T, SUE), ("partition", SUE)), transactional=False, since=(14,)),),
    ("vacuum", ""): _f((T, SUE), scan=True, transactional=False),
    ("analyze", ""): _f((T, SUE), note="reads a sample of the table; reads and writes go on"),
    ("comment", ""): _f((T, SUE)),
    ("vacuum", "full"): _f((T, A), rewrite=True, transactional=False, note="rewrites the table under ACCESS EXCLUSIVE"),
    ("cluster", ""): _f((T, A), rewrite=True, note="rewrites the table under ACCESS EXCLUSIVE"),
    # the tables it reads besides (FROM, USING, a subquery in SET or WHERE) are only read: ACCESS SHARE
    ("update", ""): _f((T, RE), ("sources", AS), scan=True, note="locks every row it changes until commit"),
    ("update", "batched"): _f((T, RE), ("sources", AS)),
    ("delete", ""): _f((T, RE), ("sources", AS), scan=True, note="locks every row it deletes until commit"),
    ("delete", "batched"): _f((T, RE), ("sources", AS)),
    ("insert", ""): _f((T, RE), ("sources", AS)),
    ("select", ""): _f(("sources", AS)),
    ("select", "row_locking"): _f(("sources", AS), ("locked", RS), note="locks the rows it returns until commit"),
    ("create_trigger", ""): _f((T, SRE)),
    ("drop_trigger", ""): _f((T, A)),
    ("rename_trigger", ""): _f((T, A)),
    ("toggle_trigger", ""): _f((T, SRE)),
    ("set_table_options", ""): _f((T, SUE)),
    ("set_table_options", "strong"): _f((T, A)),
    ("alter_table_other", ""): _f((T, A)),
    ("alter_table_other", "rewrite"): _f((T, A), rewrite=True),
    ("add_enum_value", ""): (
        Fact(transactional=False, note="cannot run inside a transaction block before PostgreSQL 12"),
        Fact(since=(12,), note="the new value cannot be used before the transaction commits"),
    ),
    ("refresh_view", ""): _f((T, A), rewrite=True),
    ("refresh_view", "concurrently"): _f((T, E), scan=True, note="runs inside a transaction block too (checked on PostgreSQL 15)"),
    ("create_view", ""): _f((T, A), ("sources", AS), note="the new (or replaced) view is locked ACCESS EXCLUSIVE"),
    ("create_view", "materialized"): _f((T, A), ("sources", AS), scan=True, note="runs its query to fill the view"),
    ("drop_view", ""): _f((T, A)),
    ("create_database", ""): _f(transactional=False),
    ("drop_database", ""): _f(transactional=False),
    ("alter_domain", "add_constraint"): _f(scan=True, note="checks every column of that domain in every table"),
}

_ALTER_REWRITES = {"AT_SetLogged", "AT_SetUnLogged", "AT_SetTableSpace", "AT_SetAccessMethod", "AT_SetExpression"}
_STRONG_OPTIONS = {"AT_ChangeOwner", "AT_ReplicaIdentity", "AT_EnableRowSecurity", "AT_DisableRowSecurity",
                   "AT_ForceRowSecurity", "AT_NoForceRowSecurity", "AT_SetStorage", "AT_SetCompression"}

# (old base type, new base type) -> rule for a binary-coercible change (no rewrite):
# "any" always; "grow" when the new length/precision is unlimited or not smaller (same scale for numeric);
# "unlimited" only when the new type has no length limit.
COERCIBLE: dict[tuple[str, str], str] = {
    ("varchar", "varchar"): "grow",
    ("varchar", "text"): "any",
    ("text", "varchar"): "unlimited",
    ("numeric", "numeric"): "grow",
    ("varbit", "varbit"): "grow",
    ("bit", "varbit"): "grow",
    ("cidr", "inet"): "any",
    ("xml", "text"): "any",
    ("bpchar", "bpchar"): "same",
    # the citext extension's casts from text and varchar are WITHOUT FUNCTION (checked on PostgreSQL 15)
    ("varchar", "citext"): "any",
    ("text", "citext"): "any",
    ("citext", "text"): "any",
    ("citext", "varchar"): "unlimited",
    # a larger fractional-seconds precision keeps every stored value (no precision is 6)
    ("timestamp", "timestamp"): "precision",
    ("timestamptz", "timestamptz"): "precision",
    ("time", "time"): "precision",
    ("timetz", "timetz"): "precision",
    # the same stored microseconds; only read differently, unless the session's time zone is UTC
    ("timestamp", "timestamptz"): "utc",
    ("timestamptz", "timestamp"): "utc",
}
#: time zones whose offset is always zero: PostgreSQL then skips the rewrite of timestamp <-> timestamptz
UTC_ZONES = frozenset({
    "utc", "etc/utc", "uct", "etc/uct", "gmt", "etc/gmt", "gmt0", "etc/gmt0", "gmt+0", "gmt-0", "etc/gmt+0",
    "etc/gmt-0", "greenwich", "etc/greenwich", "universal", "etc/universal", "zulu", "etc/zulu", "0",
})
#: what a timestamp type without (n) stores
DEFAULT_PRECISION = 6


def split_type(t: str | None) -> tuple[str, tuple[int, ...] | None]:
    if not t:
        return "unknown", None
    if t.endswith("]"):
        return t, None
    base, _, rest = t.partition("(")
    if not rest:
        return base, None
    try:
        return base, tuple(int(x) for x in rest.rstrip(")").split(","))
    except ValueError:
        return base, None


def coercible(old: str | None, new: str, time_zone: str | None = None) -> bool | None:
    """True: no rewrite; False: rewrite; None: the old type is unknown. `time_zone`: the session's
    TimeZone where known (a SET earlier in the migration, or the live server's setting)."""
    if old is None:
        return None
    if old == new:
        return True
    ob, om = split_type(old)
    nb, nm = split_type(new)
    rule = COERCIBLE.get((ob, nb))
    if rule == "any":
        return True
    if rule == "unlimited":
        return nm is None
    if rule == "same":
        return om == nm
    if rule == "precision":
        return (nm or (DEFAULT_PRECISION,))[0] >= (om or (DEFAULT_PRECISION,))[0]
    if rule == "utc":
        return om == nm and (time_zone or "").strip().lower() in UTC_ZONES
    if rule == "grow":
        if nm is None:
            return True
        if om is None:
            return False
        if nb == "numeric":
            om_scale = om[1] if len(om) > 1 else 0
            nm_scale = nm[1] if len(nm) > 1 else 0
            return nm_scale == om_scale and nm[0] >= om[0]
        return nm[0] >= om[0]
    return False


def variant(op: Operation, version: ServerVersion, catalog: Catalog) -> str:
    k = op.kind
    if k == "add_column":
        spec = op.get("spec")
        if spec is None:
            return "plain"
        if spec.generated == "stored":
            return "generated_stored"
        if spec.serial:
            return "serial"
        if spec.identity:
            return "identity"
        if spec.default_kind in ("volatile", "unknown"):
            return "volatile_default"
        if spec.not_null and spec.default is None:
            return "not_null_no_default"
        if spec.unique or spec.primary_key:
            return "indexed"
        if spec.check:
            return "check"
        return "default" if spec.default is not None else "plain"
    if k == "alter_column_type":
        old = op.get("old_type")
        if not coercible(old, op.get("type"), op.get("time_zone")):
            return "rewrite"
        valid_checks = [c for c in catalog.checks_on(op.table, op.column) if c.valid]  # NOT VALID ones are not re-checked
        return "coercible_checked" if valid_checks else "coercible"
    if k == "set_not_null":
        return "checked" if version.at_least(12) and catalog.has_valid_not_null_check(op.table, op.column) else ""
    if k == "add_constraint":
        c = op.get("constraint")
        if c in ("unique", "primary_key") and op.get("using_index"):
            return c + "_using_index"
        if c in ("check", "foreign_key") and op.get("not_valid"):
            return c + "_not_valid"
        return c or ""
    if k in ("validate_constraint", "drop_constraint"):
        return "foreign_key" if _foreign_key(catalog, op) else ""
    if k == "create_table" and op.get("if_not_exists") and op.table in catalog.tables:
        return "exists"
    if k == "create_index" and op.get("if_not_exists") and op.name in catalog.index_table:
        return "exists"
    if catalog.complete and op.get("if_exists"):
        if k == "drop_table" and op.table not in catalog.tables:
            return "missing"
        if k == "drop_index" and op.name not in catalog.index_table:
            return "missing"
    if k in ("create_index", "drop_index", "detach_partition", "refresh_view"):
        return "concurrently" if op.get("concurrently") else ""
    if k == "reindex":
        if op.get("concurrently"):
            return "concurrently"
        return {"index": "index", "table": "table"}.get(op.get("target"), "many")
    if k == "vacuum":
        return "full" if op.get("full") else ""
    if k in ("update", "delete"):
        return "batched" if op.get("batched") else ""
    if k == "create_view":
        return "materialized" if op.get("materialized") else ""
    if k == "select":
        return "row_locking" if op.get("locked") else ""
    if k == "create_table":
        return "as_select" if op.get("as_select") else "partition_of" if op.get("partition_of") else ""
    if k == "alter_table_other":
        return "rewrite" if op.get("subtype") in _ALTER_REWRITES else ""
    if k == "set_table_options":
        return "strong" if op.get("subtype") in _STRONG_OPTIONS else ""
    if k == "alter_domain":
        return "add_constraint" if op.get("action") == "add_constraint" and op.get("check") and not op.get("not_valid") else ""
    return ""


def _foreign_key(catalog: Catalog, op: Operation) -> tuple | None:
    """The catalog's (name, columns, referenced table) of the foreign key `op` names, if known."""
    t = catalog.table(op.table)
    if t is None or not op.name:
        return None
    return next((fk for fk in t.foreign_keys if fk[0] == op.name), None)


def _pick(rows: tuple[Fact, ...], version: ServerVersion) -> Fact | None:
    chosen = None
    for row in rows:
        if version.numbers >= row.since:
            chosen = row
    return chosen


def _relations(role: str, op: Operation, catalog: Catalog) -> list[str]:
    if role == "table":
        if op.table:
            return [op.table]
        if op.kind in ("drop_index", "reindex", "rename_index") and op.name in catalog.index_table:
            return [catalog.index_table[op.name]]
        return []
    if role == "index":
        return [op.name] if op.name else []
    if role == "indexes":
        return [f"{op.table} (its indexes)"] if op.table else []
    if role == "referenced":
        if op.kind in ("validate_constraint", "drop_constraint"):
            fk = _foreign_key(catalog, op)
            return [fk[2]] if fk and fk[2] else []
        if op.kind in ("drop_table", "alter_column_type"):
            t = catalog.table(op.table)
            return sorted({ref for _, cols, ref in t.foreign_keys
                           if ref and ref != op.table and (op.kind == "drop_table" or op.column in cols)}) if t else []
        refs = op.get("references")
        if isinstance(refs, str):
            return [refs]
        if refs:
            return list(refs)
        spec = op.get("spec")
        return [spec.references] if spec is not None and spec.references else []
    if role == "partition":
        return [op.get("partition")] if op.get("partition") else []
    if role == "parent":
        return [op.get("partition_of")] if op.get("partition_of") else []
    if role == "sources":
        return list(op.get("sources") or ())
    if role == "locked":
        return list(op.get("locked") or ())
    return []


def effect(op: Operation, version: ServerVersion, catalog: Catalog) -> Effect:
    compatible, destructive = semantics(op.kind)
    if op.kind == "lock_table":
        mode = op.get("mode", A)
        return Effect(locks={op.table: mode} if op.table else {}, backward_compatible=compatible, destructive=destructive)
    key = (op.kind, variant(op, version, catalog))
    rows = FACTS.get(key)
    if rows is None:
        return Effect(backward_compatible=compatible, destructive=destructive)
    fact = _pick(rows, version)
    if fact is None:
        first = ".".join(map(str, rows[0].since))
        return Effect(supported=False, backward_compatible=compatible, destructive=destructive,
                      note=f"needs PostgreSQL {first} or later")
    locks: dict[str, str] = {}
    for role, mode in fact.locks:
        for rel in _relations(role, op, catalog):
            locks[rel] = stronger(locks.get(rel), mode)
    target = _relations("table", op, catalog)
    if op.kind == "attach_partition":
        scanned = _relations("partition", op, catalog)
    elif op.kind in ("create_table", "create_view"):
        scanned = _relations("sources", op, catalog)  # AS SELECT reads its sources; the new table is written
    elif op.kind == "alter_column_type" and fact.rewrite:
        scanned = _relations("referenced", op, catalog)  # its foreign key is checked again, row by row
    else:
        scanned = target or _relations("sources", op, catalog)
    return Effect(
        locks=locks,
        rewrites=tuple(target) if fact.rewrite else (),
        scans=tuple(scanned) if fact.scan or (op.kind == "alter_column_type" and fact.rewrite) else (),
        transactional=fact.transactional,
        backward_compatible=fact.compatible if fact.compatible is not None else compatible,
        destructive=destructive,
        note=fact.note,
    )


def refine(ops: list[Operation], catalog: Catalog, session: dict[str, str]) -> list[Operation]:
    """The reader's operations as this engine runs them: nothing to add here."""
    return ops


def blocks(a, online) -> None:
    """Whether the statement's strongest locks stop readers and writers of its tables."""
    modes = set(a.locks.values())
    a.blocks_reads = bool(modes & PG_BLOCKS_READS)
    a.blocks_writes = bool(modes & PG_BLOCKS_WRITES)
