"""PostgreSQL schema from the system catalogs, printed by the server's own deparsers.

``format_type``, ``pg_get_constraintdef``, ``pg_get_indexdef``, ``pg_get_viewdef`` and friends give one
canonical spelling whatever the user wrote, so no text normalisation is needed here. Objects that
belong to an extension are left out (the extension is listed instead): a migration does not own them.
Names are bare in the current schema and ``schema.name`` elsewhere.
"""

from __future__ import annotations

from typing import Any

from shoring.verify.model import Column, Constraint, Enum, Function, Index, Schema, Sequence, Table, Trigger, View

#: namespaces a migration never owns
_USER_NAMESPACES = """n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'"""

_NOT_FROM_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend d
      WHERE d.classid = '{catalog}'::regclass AND d.objid = {oid} AND d.deptype = 'e')"""

RELATIONS = f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence,
       pg_get_expr(c.relpartbound, c.oid),
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
       (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) FROM pg_inherits i
         WHERE i.inhrelid = c.oid AND NOT c.relispartition),
       (SELECT ARRAY[pn.nspname::text, p.relname::text] FROM pg_inherits i
          JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {_USER_NAMESPACES}
   AND {_NOT_FROM_EXTENSION.format(catalog="pg_class", oid="c.oid")}
"""

COLUMNS = f"""
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
 WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND {_USER_NAMESPACES}
 ORDER BY a.attrelid, a.attnum
"""

CONSTRAINTS = f"""
SELECT con.conrelid, con.conname, con.contype, pg_get_constraintdef(con.oid, true), con.convalidated,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos)
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
 WHERE con.conrelid <> 0 AND con.contype IN ('p', 'u', 'f', 'c', 'x', 't') AND {_USER_NAMESPACES}
"""

#: an index's key columns by name as written, as the other engines give them (pg_get_indexdef quoted a name
#: that needs quotes: '"Name"'), and an expression as PostgreSQL prints it
INDEXES = f"""
SELECT i.indrelid, ic.relname, pg_get_indexdef(i.indexrelid), i.indisunique, i.indisvalid AND i.indisready,
       ARRAY(SELECT COALESCE(a.attname, pg_get_indexdef(i.indexrelid, k, true))
               FROM generate_series(1, i.indnkeyatts) k
               LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1] AND a.attnum > 0
              ORDER BY k)
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
 WHERE {_USER_NAMESPACES}
"""

SEQUENCES = f"""
SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle,
       (SELECT r.relname || '.' || a.attname FROM pg_depend d
          JOIN pg_class r ON r.oid = d.refobjid
          JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
           AND d.deptype = 'a')
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE {_USER_NAMESPACES} AND {_NOT_FROM_EXTENSION.format(catalog="pg_class", oid="c.oid")}
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.deptype = 'i')
"""

TRIGGERS = """
SELECT t.tgrelid, t.tgname, pg_get_triggerdef(t.oid, true), t.tgenabled
  FROM pg_trigger t WHERE NOT t.tgisinternal
"""

FUNCTIONS = f"""
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind,
       CASE WHEN p.prokind IN ('f', 'p', 'w') THEN pg_get_functiondef(p.oid)
            ELSE pg_get_function_result(p.oid) END
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE {_USER_NAMESPACES} AND {_NOT_FROM_EXTENSION.format(catalog="pg_proc", oid="p.oid")}
"""

ENUMS = f"""
SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
  FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE {_USER_NAMESPACES} AND {_NOT_FROM_EXTENSION.format(catalog="pg_type", oid="t.oid")}
 GROUP BY n.nspname, t.typname
"""

NAMESPACES = f"""
SELECT n.nspname FROM pg_namespace n
 WHERE {_USER_NAMESPACES} AND n.nspname <> current_schema()
   AND {_NOT_FROM_EXTENSION.format(catalog="pg_namespace", oid="n.oid")}
"""

EXTENSIONS = "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'"

_CONSTRAINT_KINDS = {"p": "primary key", "u": "unique", "f": "foreign key", "c": "check", "x": "exclusion", "t": "trigger"}
_IDENTITY = {"a": "always", "d": "by default"}
_GENERATED = {"s": "stored"}
_TRIGGER_STATE = {"O": None, "D": "disabled", "R": "replica", "A": "always"}


def introspect(engine: Any, exclude: frozenset[str]) -> Schema:
    current = engine.query_one("SELECT current_schema()")[0]

    def name(nsp: str, rel: str) -> str:
        return rel if nsp == current else f"{nsp}.{rel}"

    rels: dict[int, str] = {}
    table_rows: dict[int, tuple] = {}
    views: dict[str, View] = {}
    for oid, nsp, rel, kind, persistence, bound, partkey, viewdef, parents, partition_of in engine.query(RELATIONS):
        full = name(nsp, rel)
        if full in exclude:
            continue
        if kind in ("v", "m"):
            views[full] = View(full, viewdef.strip(), kind == "m")
            continue
        rels[oid] = full
        options = []
        if kind == "p":
            options.append(("partition by", partkey))
        if partition_of:  # named as the snapshot names the parent table
            options.append(("partition of", name(*partition_of)))
            options.append(("partition bound", bound))
        elif parents:
            options.append(("inherits", parents))
        if kind == "f":
            options.append(("foreign", "true"))
        if persistence == "u":
            options.append(("unlogged", "true"))
        table_rows[oid] = tuple(options)

    columns: dict[int, list[Column]] = {oid: [] for oid in rels}
    for relid, col, typ, notnull, default, identity, generated, collation in engine.query(COLUMNS):
        if relid not in columns:
            continue
        gen = f"{_GENERATED.get(generated, generated)}: {default}" if generated else None
        columns[relid].append(Column(
            name=col, type=typ, nullable=not notnull, default=None if generated else default,
            generated=gen, identity=_IDENTITY.get(identity), collation=collation,
        ))

    constraints: dict[int, list[Constraint]] = {oid: [] for oid in rels}
    for relid, con, kind, definition, validated, cols in engine.query(CONSTRAINTS):
        if relid not in constraints:
            continue
        text = definition[: -len(" NOT VALID")] if definition.endswith(" NOT VALID") else definition
        constraints[relid].append(Constraint(con, _CONSTRAINT_KINDS[kind], tuple(cols or ()), text, bool(validated)))

    indexes: dict[int, list[Index]] = {oid: [] for oid in rels}
    for relid, idx, definition, unique, valid, cols in engine.query(INDEXES):
        if relid in indexes:
            indexes[relid].append(Index(idx, tuple(cols), bool(unique), definition, bool(valid)))

    tables = {
        full: Table(
            name=full,
            columns=tuple(columns[oid]),
            constraints=tuple(sorted(constraints[oid], key=lambda c: c.name)),
            indexes=tuple(sorted(indexes[oid], key=lambda i: i.name)),
            options=table_rows[oid],
        )
        for oid, full in sorted(rels.items(), key=lambda item: item[1])
    }

    sequences = {}
    for nsp, rel, typ, start, inc, lo, hi, cache, cycle, owner in engine.query(SEQUENCES):
        full = name(nsp, rel)
        if full in exclude or (owner and owner.split(".")[0] in exclude):
            continue
        text = f"{typ} start {start} increment {inc} min {lo} max {hi} cache {cache}{' cycle' if cycle else ''}"
        if owner:
            text += f" owned by {owner}"
        sequences[full] = Sequence(full, text)

    triggers = {}
    for relid, trig, definition, enabled in engine.query(TRIGGERS):
        if relid not in rels:
            continue
        state = _TRIGGER_STATE.get(enabled)
        key = f"{rels[relid]}.{trig}"
        triggers[key] = Trigger(key, rels[relid], definition + (f" [{state}]" if state else ""))

    functions = {}
    for nsp, proc, args, kind, definition in engine.query(FUNCTIONS):
        key = f"{name(nsp, proc)}({args})"
        functions[key] = Function(key, (definition or "").strip() if kind != "a" else f"aggregate returns {definition}")

    enums = {name(nsp, typ): Enum(name(nsp, typ), tuple(labels)) for nsp, typ, labels in engine.query(ENUMS)}

    return Schema(
        engine="postgresql",
        tables=tables,
        views=views,
        sequences=sequences,
        triggers=triggers,
        functions=functions,
        enums=enums,
        schemas=tuple(sorted(r[0] for r in engine.query(NAMESPACES))),
        extensions=tuple(sorted((r[0], r[1]) for r in engine.query(EXTENSIONS))),
    )
