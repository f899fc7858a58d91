"""Synthetic rows carry the seed's edge cases and still respect keys, uniqueness and CHECK lists."""

from __future__ import annotations

import pytest
from rehearsal_support import with_users

from shoring import verify
from shoring.engines import connect
from shoring.rehearsal.generate import generate

SCHEMA = """CREATE TABLE parent (id INTEGER PRIMARY KEY, label VARCHAR(10));
CREATE TABLE item (
    id INTEGER PRIMARY KEY,
    code VARCHAR(8) NOT NULL UNIQUE,
    name VARCHAR(30),
    qty INTEGER NOT NULL,
    price DECIMAL(8, 2),
    status VARCHAR(10) NOT NULL CHECK (status IN ('new', 'paid', 'gone')),
    parent_id INTEGER REFERENCES parent (id)
)"""
INT_MAX = {"sqlite": 2**63 - 1, "postgresql": 2**31 - 1, "mysql": 2**31 - 1}


def test_edge_cases_and_constraints(db_url):
    from shoring.statement_splitter import split_sql

    with connect(db_url) as engine:
        for fragment in split_sql(SCHEMA, engine.dialect):
            engine.execute(fragment.sql)
        results = generate(engine, verify.snapshot(engine), {"parent": 10, "item": 40}, seed=7)
        q = engine.query
        names = [r[0] for r in q("SELECT name FROM item")]
        qty = [r[0] for r in q("SELECT qty FROM item")]
        codes = [r[0] for r in q("SELECT code FROM item")]
        statuses = {r[0] for r in q("SELECT status FROM item")}
        orphans = q("SELECT count(*) FROM item WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM parent)")[0][0]
        prices = [r[0] for r in q("SELECT price FROM item WHERE price IS NOT NULL")]
        linked = q("SELECT count(*) FROM item WHERE parent_id IS NOT NULL")[0][0]
    assert results["parent"].inserted == 10
    assert results["item"].inserted == 40 and results["item"].rejected == 0, results["item"]
    assert None in names  # NULLs where the column allows them
    assert "" in names  # empty strings
    assert "x" * 30 in names  # the longest value the type holds
    assert any("'" in n and "\\" in n for n in names if n)  # awkward text
    assert len([n for n in names if n]) > len({n for n in names if n})  # duplicates where nothing forbids them
    assert max(qty) == INT_MAX[engine.name] and min(qty) == -INT_MAX[engine.name] - 1 and 0 in qty
    assert len(codes) == len(set(codes))  # unique stays unique
    assert statuses <= {"new", "paid", "gone"}  # a CHECK list is honoured
    assert orphans == 0 and linked > 0  # foreign keys point at real parents
    assert float(max(prices)) == 999999.99


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)
def test_scale_adds_rows_in_proportion_to_the_real_ones(project):
    with_users(project)  # 3 real rows
    project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN;", "ALTER TABLE users DROP COLUMN email_verified;")

    result = project.run("test", "--scale", "2", "--format", "json")

    assert result.code == 0, result.out
    assert result.json["synthetic_rows"]["users"]["inserted"] == 6
    assert result.json["migrations"][0]["table_rows"]["users"] == 9
