"""Columns a create/add/alter operation defines, for the column-type rules."""

from __future__ import annotations


def defined_columns(op):
    """(ColumnSpec or None, name, type) of the columns an operation defines."""
    if op.kind == "create_table":
        return [(s, s.name, s.type) for s in op.get("columns") or ()]
    if op.kind == "add_column":
        spec = op.get("spec")
        return [(spec, spec.name, spec.type)] if spec else []
    if op.kind == "alter_column_type":
        return [(op.get("spec"), op.column, op.get("type") or "")]
    return []


def element_type(typ: str | None) -> str:
    """The type of an array's elements ("int4[]" -> "int4"); any other type as it is: an array of
    int runs out like an int, an array of timestamp is as zone-less as one."""
    typ = typ or ""
    while typ.endswith("[]"):
        typ = typ[:-2]
    return typ


def is_key(op, spec, name: str) -> bool:
    if spec is not None and (spec.primary_key or spec.references):
        return True
    if name == "id" or name.endswith("_id"):
        return True
    if op.kind == "create_table":
        for con in op.get("constraints") or ():
            if con.get("constraint") in ("primary_key", "foreign_key") and name in (con.get("columns") or ()):
                return True
    return False
