"""Every operation's EXAMPLES on every engine, through the commands a user runs (Reshape's test builder and
pgroll's afterStart / afterComplete / afterRollback are the models).

For each example: a small seeded table as the example needs (migration 1), then the example in migration 2;
`shoring apply` must make exactly the schema change the case states (a snapshot diff) and leave every
other row as it was (fingerprints); `shoring rollback` must give back the schema exactly (an empty diff)
and the rows; `shoring apply` again must make the same schema as the first time. An expand goes through
apply -> abort -> apply, then old and new code write, abort keeps their rows, apply -> complete, and
`shoring verify` finds nothing; a contract runs after its expand; an operation that cannot be undone
on an engine must say so when rolled back, and one that has no form on an engine must refuse before
changing anything. At every end: no trigger, function, shadow or ghost table, helper constraint or
backfill checkpoint of shoring's is left.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from every_operation import HEADERS, migration_text

from shoring import verify
from shoring.errors import ShoringError
from shoring.operations.dialects import DIALECTS
from shoring.operations.docs import operation_modules, repr_call

ALL = frozenset({"postgresql", "mysql", "sqlite"})
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

USERS_EMAIL = """
    CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255), name VARCHAR(50));
    INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada'), (2, 'grace@example.com', NULL),
        (3, 'o''brien@example.com', 'Flann'), (4, 'edsger@example.com', 'Edsger');
"""

ORDERS = """
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER);
    INSERT INTO orders (id, user_id, total) VALUES (1, 1, 10), (2, NULL, 0), (3, 2, 7);
"""
#: the rows of the retired original that match the partitioned table's
RETIRED_FOLLOWS = "SELECT r.id FROM events_retired r JOIN events e ON e.id = r.id AND e.created_at = r.created_at ORDER BY r.id"
#: Repack needs the extension in the database (where the server has it: CI installs it)
REPACK_EXTENSION = """
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_repack') THEN CREATE EXTENSION pg_repack; END IF;
    END $$;
"""
#: a month ago, today and yesterday: PartitionTable makes a partition per month from the oldest to 3 ahead
EVENTS = {"postgresql": "CREATE TABLE events (id BIGINT PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL);\n"
                        "INSERT INTO events (id, created_at) VALUES (1, now() - interval '40 days'), (2, now()), (3, now() - interval '1 day');",
          "*": "CREATE TABLE events (id BIGINT PRIMARY KEY, created_at TIMESTAMP NOT NULL);"}


@dataclass(frozen=True)
class Case:
    """What one example needs and does: `setup` (SQL, migration 1) and the operations run before it
    (a contract's expand), the schema changes up makes (action, kind, name pattern; per engine when
    they differ), the changes complete then makes for an expand, and the tables whose rows up changes
    on purpose."""

    setup: str | dict[str, str]  # SQL, or per engine ("*": the others)
    effect: dict[str, set[tuple[str, str, str]]]
    engines: frozenset[str] = ALL
    irreversible_on: frozenset[str] = frozenset()
    before: tuple = ()
    completed: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)
    rows_changed: frozenset[str] = frozenset()
    #: (query, its rows) once the change is made (after up, or after complete for an expand)
    rows: tuple[str, list[tuple]] | None = None
    #: An expand's intermediate phase (Reshape's intermediate_fn): old and new code's writes, and what
    #: both schemas then read, and what the old schema reads once the expand is aborted after them
    #: (Reshape's after_abort)
    during: tuple[str, ...] = ()
    during_rows: tuple[str, list[tuple]] | None = None
    aborted_rows: tuple[str, list[tuple]] | None = None

    def expected(self, table: dict, engine: str) -> set[tuple[str, str, str]]:
        return table.get(engine, table.get("*", set()))


def _example(module: str, index: int = 0):
    return {m.__name__.rsplit(".", 1)[1]: m for m in operation_modules()}[module].EXAMPLES[index]


CASES: dict[str, Case] = {
    "AddCheck": Case(
        ORDERS,
        {"*": {("added", "constraint", "orders.total_not_negative")}}, irreversible_on=frozenset({"sqlite"})),
    "AddColumn": Case(USERS_EMAIL, {"*": {("added", "column", "users.email_verified")}},
        rows=("SELECT id, email_verified FROM users ORDER BY id", [(1, 0), (2, 0), (3, 0), (4, 0)])),
    "AddForeignKey": Case(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255));\n"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER);\n"
        "INSERT INTO users (id, email) VALUES (1, 'ada@example.com'), (2, 'grace@example.com');\n"
        "INSERT INTO orders (id, user_id, total) VALUES (1, 1, 10), (2, NULL, 0), (3, 2, 7);",
        {"*": {("added", "constraint", "orders.orders_user_id_fkey")},
         # SQLite keeps no name for a foreign key: the snapshot names it by its definition
         "sqlite": {("added", "constraint", "orders.foreign key(user_id) references users(id)*")},
         # InnoDB makes an index for a foreign key's columns when none exists (and keeps it after the key goes)
         "mysql": {("added", "constraint", "orders.orders_user_id_fkey"), ("added", "index", "orders.orders_user_id_fkey")}},
        irreversible_on=frozenset({"sqlite"})),
    "AddUnique": Case(USERS_EMAIL, {"*": {("added", "constraint", "users.users_email_key"), ("added", "index", "users.users_email_key")},
                                    "sqlite": {("added", "index", "users.users_email_key")}}),
    "Backfill": Case(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255), email_verified BOOLEAN);\n"
        "INSERT INTO users (id, email, email_verified) VALUES (1, 'ada@example.com', NULL), (2, 'grace@example.com', TRUE),\n"
        "    (3, NULL, NULL), (4, 'edsger@example.com', FALSE);",
        {"*": set()}, rows_changed=frozenset({"users"}),
        rows=("SELECT id, email_verified FROM users ORDER BY id", [(1, 0), (2, 1), (3, 0), (4, 0)])),
    "CreateIndex": Case(USERS_EMAIL, {"*": {("added", "index", "users.users_email_idx")}}),
    "CreateTable": Case(USERS_EMAIL, {"*": {("added", "table", "audit")}},
        rows=("SELECT COUNT(*) FROM audit", [(0,)])),
    "DropColumn": Case(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255), legacy_flag BOOLEAN);\n"
        "INSERT INTO users (id, email, legacy_flag) VALUES (1, 'ada@example.com', TRUE), (2, NULL, NULL);",
        {"*": {("removed", "column", "users.legacy_flag")}}, irreversible_on=ALL),
    "DropIndex": Case(USERS_EMAIL + "CREATE INDEX users_email_idx ON users (email);",
                      {"*": {("removed", "index", "users.users_email_idx")}}),
    "DropTable": Case(
        USERS_EMAIL + "CREATE TABLE legacy_sessions (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO legacy_sessions (id) VALUES (1), (2);",
        {"*": {("removed", "table", "legacy_sessions")}}, irreversible_on=ALL),
    "ExpandChangeType": Case(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, age VARCHAR(10));\n"
        "INSERT INTO users (id, age) VALUES (1, '42'), (2, '7'), (3, NULL), (4, '0');",
        {"*": {("added", "column", "users.age_new"), ("added", "trigger", "users.*"), ("added", "function", "*")},
         "mysql": {("added", "column", "users.age_new"), ("added", "trigger", "users.*")},
         "sqlite": {("added", "column", "users.age_new"), ("added", "trigger", "users.*")}},
        completed={"*": {("changed", "column", "users.age")}}, rows_changed=frozenset({"users"}),
        # old code writes text, new code integers (reverse= takes them back to text)
        during=("INSERT INTO users (id, age) VALUES (10, '5')", "INSERT INTO users (id, age_new) VALUES (11, 6)",
                "UPDATE users SET age_new = 8 WHERE id = 2", "UPDATE users SET age = '43' WHERE id = 1"),
        during_rows=("SELECT id, age, age_new FROM users ORDER BY id",
                     [(1, "43", 43), (2, "8", 8), (3, None, None), (4, "0", 0), (10, "5", 5), (11, "6", 6)]),
        aborted_rows=("SELECT id, age FROM users ORDER BY id", [(1, "43"), (2, "8"), (3, None), (4, "0"), (10, "5"), (11, "6")]),
        rows=("SELECT id, age FROM users ORDER BY id", [(1, 43), (2, 8), (3, None), (4, 0), (10, 5), (11, 6)])),
    "ContractChangeType": Case(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, age VARCHAR(10));\n"
        "INSERT INTO users (id, age) VALUES (1, '42'), (2, '7'), (3, NULL), (4, '0');",
        {"*": {("changed", "column", "users.age"), ("removed", "column", "users.age_new"),
               ("removed", "trigger", "users.*"), ("removed", "function", "*")},
         "mysql": {("changed", "column", "users.age"), ("removed", "column", "users.age_new"), ("removed", "trigger", "users.*")},
         "sqlite": {("changed", "column", "users.age"), ("removed", "column", "users.age_new"), ("removed", "trigger", "users.*")}},
        irreversible_on=ALL, before=(_example("expand_change_type"),), rows_changed=frozenset({"users"}),
        rows=("SELECT id, age FROM users ORDER BY id", [(1, 42), (2, 7), (3, None), (4, 0)])),
    "ExpandRenameColumn": Case(
        USERS_EMAIL,
        {"*": {("added", "column", "users.display_name"), ("added", "trigger", "users.*"), ("added", "function", "*")},
         "mysql": {("added", "column", "users.display_name"), ("added", "trigger", "users.*")},
         "sqlite": {("added", "column", "users.display_name"), ("added", "trigger", "users.*")}},
        completed={"*": {("removed", "column", "users.name"), ("added", "column", "users.display_name")}},
        rows_changed=frozenset({"users"}),
        # old code writes the old name, new code the new one
        during=("INSERT INTO users (id, name) VALUES (10, 'Alan')", "INSERT INTO users (id, display_name) VALUES (11, 'Margaret')",
                "UPDATE users SET display_name = 'Grace' WHERE id = 2", "UPDATE users SET name = NULL WHERE id = 4"),
        during_rows=("SELECT id, name, display_name FROM users ORDER BY id",
                     [(1, "Ada", "Ada"), (2, "Grace", "Grace"), (3, "Flann", "Flann"), (4, None, None),
                      (10, "Alan", "Alan"), (11, "Margaret", "Margaret")]),
        aborted_rows=("SELECT id, name FROM users ORDER BY id",
                      [(1, "Ada"), (2, "Grace"), (3, "Flann"), (4, None), (10, "Alan"), (11, "Margaret")]),
        rows=("SELECT id, display_name FROM users ORDER BY id",
              [(1, "Ada"), (2, "Grace"), (3, "Flann"), (4, None), (10, "Alan"), (11, "Margaret")])),
    "ContractRenameColumn": Case(
        USERS_EMAIL,
        {"*": {("removed", "column", "users.name"), ("removed", "trigger", "users.*"), ("removed", "function", "*")},
         "mysql": {("removed", "column", "users.name"), ("removed", "trigger", "users.*")},
         "sqlite": {("removed", "column", "users.name"), ("removed", "trigger", "users.*")}},
        irreversible_on=ALL, before=(_example("expand_rename_column"),), rows_changed=frozenset({"users"}),
        rows=("SELECT id, display_name FROM users ORDER BY id", [(1, 'Ada'), (2, None), (3, 'Flann'), (4, 'Edsger')])),
    "OnlineAlter": Case(
        "CREATE TABLE payments (id INTEGER PRIMARY KEY, amount INT NOT NULL);\n"
        "INSERT INTO payments (id, amount) VALUES (1, 100), (2, 0), (3, 2500);",
        {"*": {("changed", "column", "payments.amount")}}, engines=frozenset({"mysql"}), rows_changed=frozenset({"payments"}),
        rows=("SELECT id, amount FROM payments ORDER BY id", [(1, Decimal("100.00")), (2, Decimal("0.00")), (3, Decimal("2500.00"))])),
    "PartitionTable": Case(
        EVENTS,
        # the original is kept current beside its partitioned copy until the contract; the primary key
        # (id, without the partition key) is each partition's, not the parent's; row triggers are cloned
        # onto the partitions
        {"*": {("changed", "table options", "events"), ("removed", "constraint", "events.events_pkey"),
               ("removed", "index", "events.events_pkey"),
               ("added", "table", "events_retired"), ("added", "table", "events_p*"), ("added", "table", "events_default"),
               ("added", "trigger", "events*.events_shoring_retired"), ("added", "function", "events_shoring_retired*")}},
        engines=frozenset({"postgresql"}),
        completed={"*": {("changed", "table options", "events"), ("removed", "constraint", "events.events_pkey"),
                         ("removed", "index", "events.events_pkey"), ("added", "table", "events_p*"),
                         ("added", "table", "events_default")}},
        rows_changed=frozenset({"events"}),
        # the application keeps writing the partitioned table; the retired original follows for a rollback
        during=("INSERT INTO events (id, created_at) VALUES (10, now())", "DELETE FROM events WHERE id = 3",
                "UPDATE events SET created_at = created_at - interval '1 hour' WHERE id = 2"),
        during_rows=(RETIRED_FOLLOWS, [(1,), (2,), (10,)]),
        aborted_rows=("SELECT id FROM events ORDER BY id", [(1,), (2,), (10,)]),
        rows=("SELECT id FROM events ORDER BY id", [(1,), (2,), (10,)])),
    "ContractPartitionTable": Case(
        EVENTS,
        {"*": {("removed", "table", "events_retired"), ("removed", "trigger", "events*.events_shoring_retired"),
               ("removed", "function", "events_shoring_retired*")}},
        engines=frozenset({"postgresql"}), irreversible_on=ALL, before=(_example("partition_table"),)),
    "RenameColumn": Case(USERS_EMAIL, {"*": {("removed", "column", "users.name"), ("added", "column", "users.display_name")}},
        rows=("SELECT id, display_name FROM users ORDER BY id", [(1, 'Ada'), (2, None), (3, 'Flann'), (4, 'Edsger')])),
    "RenameTable": Case(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(50));\n"
        "INSERT INTO people (id, name) VALUES (1, 'Ada'), (2, NULL), (3, 'O''Brien');",
        {"*": {("removed", "table", "people"), ("added", "table", "users")}},
        rows=("SELECT id, name FROM users ORDER BY id", [(1, "Ada"), (2, None), (3, "O'Brien")])),
    "Repack": Case(
        {"postgresql": REPACK_EXTENSION + ORDERS, "*": ORDERS},
        {"*": set()}, engines=frozenset({"postgresql"})),
    "RunSQL": Case(
        "CREATE TABLE settings (name VARCHAR(50) PRIMARY KEY, value VARCHAR(50));\n"
        "INSERT INTO settings (name, value) VALUES ('flag', 'off'), ('other', 'kept');",
        {"*": set()}, rows_changed=frozenset({"settings"}),
        rows=("SELECT name, value FROM settings ORDER BY name", [("flag", "on"), ("other", "kept")])),
    "SetNotNull": Case(USERS_EMAIL, {"*": {("changed", "column", "users.email")}}, irreversible_on=frozenset({"sqlite"})),
}

EXAMPLES = {type(op).__name__: op for module in operation_modules() for op in module.EXAMPLES}
#: Down of the setup: every table a case makes, children first (the setup migration is never rolled back here)
SETUP_DOWN = "DROP TABLE IF EXISTS orders;\nDROP TABLE IF EXISTS users;"


def test_every_example_has_a_case():
    assert set(CASES) == set(EXAMPLES), f"each operation example needs a conformance case: {set(CASES) ^ set(EXAMPLES)}"


def test_the_cases_say_where_each_operation_runs_and_undoes_as_it_compiles():
    """The table of engines and irreversibility is the operations' own: an operation that stops
    compiling, or loses its down, on an engine fails here before any database is touched."""
    for name, case in CASES.items():
        op = EXAMPLES[name]
        for engine in ALL:
            d = DIALECTS[engine]
            try:
                op.up(d)
            except ShoringError:
                assert engine not in case.engines, f"{name} has no form on {engine}"
                continue
            assert engine in case.engines, f"{name} compiles on {engine}: add it to the case"
            try:
                undoable = op.down(d) is not None
            except ShoringError:
                undoable = False
            assert undoable == (engine not in case.irreversible_on), f"{name} down on {engine}"


# -- what the test reads from the database -------------------------------------------------------------------------

@dataclass(frozen=True)
class Look:
    """The database at one moment, read over one connection (a MariaDB connect is slow): its schema,
    fingerprints of the tables `reference` has (over the columns it gives them) and of its own, what of
    shoring's is there that `allowed` lacks, and the rows of the case's query."""

    schema: verify.Schema
    prints: dict
    own_prints: dict
    leftovers: list[str]
    rows: list[tuple] | None


def look(project, reference: verify.Schema | None = None, allowed: verify.Schema | None = None,
         query: str | None = None) -> Look:
    with project.connect() as engine:
        now = verify.snapshot(engine)
        rows = None if query is None else [tuple(int(v) if isinstance(v, bool) else v for v in r) for r in engine.query(query)]
        return Look(now, _prints(engine, now, reference or now), _prints(engine, now, now),
                    _leftovers(engine, now, allowed or reference or now), rows)


def _prints(engine, now: verify.Schema, reference: verify.Schema) -> dict:
    keep = {n: t for n, t in reference.tables.items()
            if n in now.tables and {c.name for c in t.columns} <= {c.name for c in now.tables[n].columns}}
    # a table's print as it is now (partitioned since, say), over the columns `reference` gave it
    tables = {n: replace(now.tables[n], columns=t.columns) for n, t in keep.items()}
    return verify.fingerprint(engine, verify.Schema(now.engine, tables=tables))


def changes(before: verify.Schema, after: verify.Schema) -> set[tuple[str, str, str]]:
    return {(c.action, c.kind, c.name) for c in verify.diff(before, after)}


def assert_effect(found: set, expected: set, what: str) -> None:
    """Every change found is one the case expects (a name pattern), and every expected one happened."""
    unexpected = {c for c in found if not any(c[:2] == e[:2] and fnmatch.fnmatchcase(c[2], e[2]) for e in expected)}
    missing = {e for e in expected if not any(c[:2] == e[:2] and fnmatch.fnmatchcase(c[2], e[2]) for c in found)}
    assert not unexpected and not missing, f"{what}: unexpected {sorted(unexpected)}, missing {sorted(missing)}"


#: Names shoring gives the objects it makes for a while: sync triggers and functions, shadow, ghost and
#: intermediate tables, the rebuild's new table, the NOT NULL route's CHECK.
HELPER_NAMES = ("*shoring*", "*_new", "*_old", "*_intermediate", "*_retired", "_*", "*_not_null")


def _leftovers(engine, now: verify.Schema, allowed: verify.Schema) -> list[str]:
    """What of shoring's is in the database that `allowed` does not hold: triggers, functions, helper
    tables and constraints, INVALID indexes, backfill checkpoints."""
    found = [f"trigger {n}" for n in set(now.triggers) - set(allowed.triggers)]
    found += [f"function {n}" for n in set(now.functions) - set(allowed.functions)]
    for name, table in now.tables.items():
        if name not in allowed.tables and any(fnmatch.fnmatchcase(name, p) for p in HELPER_NAMES):
            found.append(f"table {name}")
        old = allowed.tables.get(name)
        for c in table.constraints:
            if (old is None or c not in old.constraints) and any(fnmatch.fnmatchcase(c.name, p) for p in HELPER_NAMES):
                found.append(f"constraint {name}.{c.name}")
        found += [f"invalid index {name}.{i.name}" for i in table.indexes if not i.valid]
    if engine.table_exists("shoring_migrations_backfills"):
        found += [f"checkpoint {r}" for r in engine.query("SELECT version, direction, statement FROM shoring_migrations_backfills")]
    return sorted(found)


# -- the steps, as a user runs them --------------------------------------------------------------------------------

def write(project, version: int, op) -> int:
    """The example in its own migration file (with the header a careful user writes); its line."""
    kind = type(op).__name__
    text = migration_text([op], HEADERS.get(kind, ""))
    project.write(f"{version}_{kind.lower()}.py", text)
    return next(n for n, line in enumerate(text.splitlines(), 1) if repr_call(op) in line)


def run(project, *args: str) -> None:
    result = project.run(*args)
    assert result.code == 0, f"shoring {' '.join(args)}: {result.out}\n{result.err}"


def prepare(project, case: Case) -> int:
    """Migration 1 (the seeded tables) and the operations the example follows, applied; the next version."""
    setup = case.setup if isinstance(case.setup, str) else case.expected(case.setup, project.engine)
    project.sql("1", "setup", setup, SETUP_DOWN)
    run(project, "apply")
    version = 2
    for op in case.before if project.engine in case.engines else ():
        write(project, version, op)
        run(project, "apply")
        version += 1
    return version


def assert_rows_kept(case: Case, name: str, seen: Look, f0: dict) -> None:
    """The rows of every table the example does not mean to change are as they were (their old columns),
    and the case's query reads what the change made."""
    kept = {t: fp for t, fp in seen.prints.items() if t not in case.rows_changed}
    assert kept == {t: fp for t, fp in f0.items() if t in kept}, f"{name} changed rows it should not"
    if case.rows is not None:
        assert seen.rows == case.rows[1], f"{name}: {case.rows[0]}"


def check_round_trip(project, case: Case, name: str, back: str) -> tuple[verify.Schema, dict, Look]:
    """Up, its effect, `back` (rollback or abort): restored exactly; up again: the same schema.
    (S0, its prints, the last look.)"""
    engine, op = project.engine, EXAMPLES[name]
    first = look(project)
    s0, f0 = first.schema, first.prints
    write(project, next_version(project), op)
    run(project, "apply")
    up = look(project, s0, query=None if op.expands else case.rows and case.rows[0])
    assert_effect(changes(s0, up.schema), case.expected(case.effect, engine), f"{name} up on {engine}")
    if op.expands is None:
        assert_rows_kept(case, name, up, f0)
    else:
        assert up.prints == f0, f"{name} expand changed the rows old code reads"

    run(project, back)
    down = look(project, s0)
    assert not verify.diff(s0, down.schema), f"{name} {back} on {engine} left:\n{verify.diff(s0, down.schema).text()}"
    keeps = set(op.rollback_keeps)
    assert {t: fp for t, fp in down.prints.items() if t not in keeps} == {t: fp for t, fp in f0.items() if t not in keeps}, \
        f"{name} {back} on {engine} did not give the rows back"
    assert down.leftovers == []

    run(project, "apply")
    again = look(project, up.schema, allowed=s0, query=None if op.expands else case.rows and case.rows[0])
    assert not verify.diff(up.schema, again.schema), f"{name} up again on {engine} differs:\n{verify.diff(up.schema, again.schema).text()}"
    assert again.prints == up.own_prints and again.rows == up.rows, f"{name} up again on {engine} wrote other rows"
    return s0, f0, again


def next_version(project) -> int:
    return 1 + max(int(p.name.split("_", 1)[0]) for p in project.migrations.iterdir())


def _repack_missing(engine: str, name: str) -> bool:
    return name == "Repack" and engine == "postgresql" and shutil.which("pg_repack") is None and not CI


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs_up_down_up_and_leaves_nothing_behind(project, name):
    case, op, engine = CASES[name], EXAMPLES[name], project.engine
    query = case.rows and case.rows[0]
    prepare(project, case)

    if engine not in case.engines:  # no form here: one line naming the file and line, and nothing changed
        s0 = look(project).schema
        line = write(project, next_version(project), op)
        result = project.run("apply")
        assert result.code == 2 and f":{line}:" in result.err and len(result.err.strip().splitlines()) == 1, result.err
        assert not verify.diff(s0, look(project).schema)
        return

    if _repack_missing(engine, name):  # the refusal is what a machine without the client gets
        s0 = look(project).schema
        write(project, next_version(project), op)
        result = project.run("apply")
        assert result.code == 1 and "Repack needs the pg_repack " in result.err, result.err
        after = look(project, s0)
        assert not verify.diff(s0, after.schema) and after.leftovers == []
        pytest.skip("pg_repack is not installed here: only its refusal was checked (CI installs it)")

    if op.expands is not None:  # Reshape's and pgroll's phases: expand, abort, expand, writes, abort, expand, complete
        s0, f0, _ = check_round_trip(project, case, name, "abort")
        for statement in case.during:
            project.query(statement)
        assert look(project, query=case.during_rows[0]).rows == case.during_rows[1], f"{name} during the expand"
        run(project, "abort")  # old code's schema keeps every write both made meanwhile
        aborted = look(project, s0, query=case.aborted_rows[0])
        assert not verify.diff(s0, aborted.schema) and aborted.leftovers == [], f"{name} abort after writes"
        assert aborted.rows == case.aborted_rows[1], f"{name} abort after writes lost some"
        run(project, "apply")
        run(project, "complete")
        done = look(project, s0, query=query)
        assert_effect(changes(s0, done.schema), case.expected(case.completed, engine), f"{name} complete on {engine}")
        assert_rows_kept(case, name, done, f0)
        assert done.leftovers == []
        checked = project.run("verify", "--format", "json")  # and the user's own check agrees
        assert checked.code == 0 and checked.json["problems"] == [], checked.out
        back = project.run("rollback")  # the contract was the point of no return
        assert back.code == 2 and "`shoring complete` ran its contract" in back.err, back.err
        assert not verify.diff(done.schema, look(project).schema), "a refused rollback changed the schema"
        return

    if engine in case.irreversible_on:  # it says so, and the refused rollback changes nothing
        first = look(project)
        line = write(project, next_version(project), op)
        run(project, "apply")
        up = look(project, first.schema, query=query)
        assert_effect(changes(first.schema, up.schema), case.expected(case.effect, engine), f"{name} up on {engine}")
        assert_rows_kept(case, name, up, first.prints)
        assert up.leftovers == []
        back = project.run("rollback")
        assert back.code == 2 and f"an operation cannot be undone: {op.describe()} (line {line})" in back.err, back.err
        assert not verify.diff(up.schema, look(project).schema), "a refused rollback changed the schema"
        return

    _, _, again = check_round_trip(project, case, name, "rollback")
    assert again.leftovers == []
