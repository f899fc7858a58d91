"""`shoring plan` as a user runs it: what it says about pending migrations on a real database."""

from __future__ import annotations

import pytest

CONTRACT_M = {"version", "name", "file", "metadata", "transactional", "reversible", "risk", "estimate_seconds",
              "statements", "findings"}
CONTRACT_S = {"index", "line", "sql", "operation", "tables", "locks", "rewrites", "scans", "blocks_reads",
              "blocks_writes", "backward_compatible", "destructive", "estimate_seconds"}


def table_with_rows(project, ddl: str, insert: str) -> None:
    with project.connect() as engine:
        engine.execute(ddl)
        engine.execute(insert)
        if engine.name == "postgresql":
            engine.execute("ANALYZE")


def plan_json(project, *args: str) -> dict:
    result = project.run("plan", "--format", "json", *args)
    assert result.code == 0, result.err
    return result.json


def only_statement(plan: dict, migration: int = 0, statement: int = 0) -> dict:
    return plan["migrations"][migration]["statements"][statement]


@pytest.fixture
def accounts(pg_project):
    table_with_rows(
        pg_project,
        "CREATE TABLE accounts (id bigint PRIMARY KEY, code varchar(10) NOT NULL, note text, n int, "
        "CONSTRAINT accounts_note_nn CHECK (note IS NOT NULL))",
        "INSERT INTO accounts SELECT g, 'c' || g, 'x', g FROM generate_series(1, 6000) g",
    )
    return pg_project


def test_json_keeps_the_contract_and_reads_only(accounts):
    accounts.sql("1", "widen", "ALTER TABLE accounts ALTER COLUMN code TYPE varchar(40);", "SELECT 1;")
    plan = plan_json(accounts)
    assert plan["plan_version"] == 1 and plan["engine"] == "postgresql" and plan["server_version"].startswith("15")
    m = plan["migrations"][0]
    assert CONTRACT_M <= set(m) and m["risk"] in ("low", "medium", "high")
    assert CONTRACT_S <= set(m["statements"][0])
    # the plan changed nothing: no history table, the column is as it was
    assert accounts.tables() == {"accounts"}
    assert accounts.query("SELECT character_maximum_length FROM information_schema.columns "
                          "WHERE table_name = 'accounts' AND column_name = 'code'") == [(10,)]


def test_the_live_schema_decides_rewrites_and_scans(accounts):
    accounts.sql("1", "widen", "ALTER TABLE accounts ALTER COLUMN code TYPE varchar(40);")
    accounts.sql("2", "note_not_null", "ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;")
    accounts.sql("3", "n_bigint", "ALTER TABLE accounts ALTER COLUMN n TYPE bigint;")
    with_db = plan_json(accounts, "--no-calibrate")
    widen, not_null, bigint = (only_statement(with_db, i) for i in range(3))
    assert widen["rewrites"] == [] and widen["unknowns"] == []  # varchar(10) -> varchar(40): no rewrite
    assert not_null["scans"] == []  # the validated CHECK (note IS NOT NULL) proves it
    assert bigint["rewrites"] == ["accounts"]
    assert bigint["estimate"]["basis"] == "table has ~6.0k rows"
    # without a database the same files are planned, and what is unknown is said to be unknown
    (accounts.root / "shoring.toml").write_text("lock_wait = 60\n")  # the same project, no database
    without = accounts.run("plan", "--format", "json", "--engine", "postgresql")
    widen = only_statement(without.json, 0)
    assert widen["rewrites"] == ["accounts"]
    assert "old type of accounts.code unknown: assumed the change rewrites the table" in widen["unknowns"]
    not_null = only_statement(without.json, 1)
    assert not_null["scans"] == ["accounts"]
    assert ("whether a validated CHECK (note IS NOT NULL) exists on accounts is unknown: assumed a full scan"
            in not_null["unknowns"])
    assert without.json["estimate_seconds"] is None


def test_pending_migrations_change_what_later_ones_see(pg_project):
    pg_project.sql("1", "create", "CREATE TABLE things (id bigint PRIMARY KEY, label varchar(10), qty int);")
    pg_project.sql("2", "checked", "ALTER TABLE things ADD CONSTRAINT things_qty_nn CHECK (qty IS NOT NULL);")
    pg_project.sql("3", "widen_and_require", "ALTER TABLE things ALTER COLUMN label TYPE varchar(50);\n"
                                             "ALTER TABLE things ALTER COLUMN qty SET NOT NULL;")
    plan = plan_json(pg_project)
    third = plan["migrations"][2]
    assert [s["rewrites"] for s in third["statements"]] == [[], []]
    assert [s["scans"] for s in third["statements"]] == [[], []]
    # a table the plan creates is empty and nobody uses it yet: nothing is blocked for anyone
    assert third["blocking"] == [] and third["statements"][0]["estimate"]["basis"].endswith("new, empty table")
    assert third["dependencies"] == ["1 (pending: creates things)"]


def test_a_missing_table_is_a_problem_before_anything_runs(pg_project):
    pg_project.sql("1", "typo", "ALTER TABLE userz ADD COLUMN flag boolean;")
    plan = plan_json(pg_project)
    st = only_statement(plan)
    assert st["problems"] == ["table userz does not exist (and no earlier migration of this plan creates it)"]
    assert plan["migrations"][0]["risk"] == "high"


def test_estimates_say_where_their_numbers_come_from(accounts):
    accounts.sql("1", "index", "CREATE INDEX accounts_n_idx ON accounts (n);")
    accounts.sql("2", "flag", "ALTER TABLE accounts ADD COLUMN flag boolean;")
    measured = plan_json(accounts)
    assert only_statement(measured, 0)["estimate"]["source"] == "calibration"
    assert "measured on a 6,000-row sample of accounts" in measured["throughput"]["measured"][0]["detail"]
    assert only_statement(measured, 1)["estimate"]["source"] == "metadata"
    assumed = plan_json(accounts, "--no-calibrate")
    assert only_statement(assumed, 0)["estimate"]["source"] == "assumed"
    assert "not measured here" in only_statement(assumed, 0)["estimate"]["detail"]
    text = accounts.run("plan", "--no-calibrate").out
    assert "< 1 second (table has ~6.0k rows)" in text


def test_a_file_applied_here_before_is_estimated_from_its_own_history(accounts):
    accounts.sql("1", "index", "CREATE INDEX accounts_n_idx ON accounts (n);", "DROP INDEX accounts_n_idx;")
    assert accounts.run("baseline", "0").code == 0  # adopt the database made by hand
    assert accounts.run("apply").code == 0
    assert accounts.run("plan", "--no-calibrate").out.startswith("Nothing to plan: no pending migrations on PostgreSQL")
    took = accounts.query("SELECT duration_ms FROM shoring_migrations WHERE version = '1'")[0][0]
    assert accounts.run("rollback").code == 0
    m = plan_json(accounts, "--no-calibrate")["migrations"][0]
    assert m["state"] == "rolled_back"
    assert m["estimate"]["source"] == "history" and m["estimate_seconds"] == pytest.approx(took / 1000, abs=0.001)
    assert "this exact file took" in m["estimate"]["detail"]


def test_locks_are_held_to_commit_inside_a_transaction(accounts):
    body = "ALTER TABLE accounts ADD COLUMN flag boolean;\nUPDATE accounts SET flag = true;"
    accounts.sql("1", "together", body)
    accounts.write("2_apart.sql", "-- Transaction: false\n-- migrate:up\n" + body.replace("flag", "flag2") + "\n")
    plan = plan_json(accounts, "--no-calibrate")
    together, apart = plan["migrations"]
    blocked = together["blocking"][0]
    assert blocked["relation"] == "accounts" and blocked["reads"] and blocked["until"] == "COMMIT (the end of the migration)"
    update_seconds = together["statements"][1]["estimate_seconds"]
    assert blocked["seconds"] >= update_seconds > 0
    # statement by statement, the ALTER's lock ends with the ALTER
    assert apart["blocking"][0]["until"] == "the end of statement 1"
    assert apart["blocking"][0]["seconds"] < update_seconds
    assert any("half applied" in r["text"] for r in apart["risk_reasons"])


def test_rollback_is_judged_by_replaying_down(accounts):
    accounts.sql("1", "no_down", "ALTER TABLE accounts ADD COLUMN a int;")
    accounts.sql("2", "partial_down", "ALTER TABLE accounts ADD COLUMN b int;\n"
                                      "CREATE INDEX accounts_n2_idx ON accounts (n);",
                 "ALTER TABLE accounts DROP COLUMN b;")
    accounts.sql("3", "drops_data", "ALTER TABLE accounts DROP COLUMN note;", "ALTER TABLE accounts ADD COLUMN note text;")
    no_down, partial, drops = plan_json(accounts, "--no-calibrate")["migrations"]
    assert no_down["reversible"] is False and no_down["rollback"]["has_down"] is False
    assert any(r["text"].startswith("no down section") for r in no_down["risk_reasons"])
    assert partial["rollback"]["restores"] is False
    assert partial["rollback"]["differences"] == ["index accounts_n2_idx on accounts still exists after down"]
    assert drops["risk"] == "high"
    assert drops["rollback"]["data_up_destroys"] == ["the values of accounts.note"]
    assert drops["deploy"]["before"][0].startswith("code that no longer reads or writes accounts.note")


def test_rollback_knows_what_dropping_a_column_or_a_foreign_key_takes_with_it(accounts):
    with accounts.connect() as engine:
        engine.execute("CREATE INDEX accounts_n_idx ON accounts (n)")
    accounts.sql("1", "self_fk", "ALTER TABLE accounts ADD CONSTRAINT accounts_n_fk FOREIGN KEY (n) REFERENCES accounts (id) NOT VALID;",
                 "ALTER TABLE accounts DROP CONSTRAINT accounts_n_fk;")
    accounts.sql("2", "drop_n", "ALTER TABLE accounts DROP COLUMN n;", "ALTER TABLE accounts ADD COLUMN n int;")
    fk, drop_n = plan_json(accounts, "--no-calibrate")["migrations"]
    assert fk["rollback"]["restores"] is True, fk["rollback"]["differences"]
    # the column comes back, but not its index, nor the foreign key PostgreSQL dropped with it
    assert drop_n["rollback"]["restores"] is False
    assert drop_n["rollback"]["differences"] == ["index accounts_n_idx on accounts is gone after down",
                                                 "foreign key accounts_n_fk on accounts is gone after down"]


def test_a_rename_breaks_running_code_in_any_order(accounts):
    accounts.sql("1", "rename", "ALTER TABLE accounts RENAME COLUMN code TO account_code;",
                 "ALTER TABLE accounts RENAME COLUMN account_code TO code;")
    m = plan_json(accounts, "--no-calibrate")["migrations"][0]
    assert m["risk"] == "high" and "breaks running code in any deploy order" in m["risk_reasons"][0]["text"]
    assert m["deploy"]["before"][0].startswith("(no safe order)")


def test_the_seeds_batched_backfill_is_read_from_its_do_block(accounts):
    with accounts.connect() as engine:
        engine.execute("ALTER TABLE accounts ADD COLUMN verified boolean")
    accounts.sql("1", "backfill", """
DO $$
DECLARE
  batch_size INT := 1000;
  processed INT := 0;
BEGIN
  LOOP
    UPDATE accounts SET verified = FALSE
    WHERE verified IS NULL AND id IN (SELECT id FROM accounts WHERE verified IS NULL LIMIT batch_size);
    GET DIAGNOSTICS processed = ROW_COUNT;
    EXIT WHEN processed = 0;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
""")
    st = only_statement(plan_json(accounts, "--no-calibrate"))
    work = st["work"][0]
    assert (work["kind"], work["table"], work["rows"], work["batch_size"], work["batches"]) == \
        ("backfill", "accounts", 6000, 1000, 7)
    assert st["estimate_seconds"] >= 7 * 0.1  # the pauses alone
    assert any("no planner statistics for accounts.verified" in u for u in st["unknowns"])
    assert any("runs as one transaction" in n for n in st["notes"])
    assert any("no index on accounts(verified) finds the next batch" in n for n in st["notes"])


def test_to_files_and_fail_on(accounts):
    accounts.sql("1", "a", "ALTER TABLE accounts ADD COLUMN a int;", "ALTER TABLE accounts DROP COLUMN a;")
    accounts.sql("2", "b", "ALTER TABLE accounts DROP COLUMN note;")
    assert [m["version"] for m in plan_json(accounts, "--no-calibrate", "--to", "1")["migrations"]] == ["1"]
    named = plan_json(accounts, "--no-calibrate", str(accounts.migrations / "2_b.sql"))
    assert [m["version"] for m in named["migrations"]] == ["2"]
    assert accounts.run("plan", "--no-calibrate", "--to", "1", "--fail-on", "high").code == 0
    assert accounts.run("plan", "--no-calibrate", "--fail-on", "high").code == 1


def test_lint_findings_come_with_each_migration(accounts):
    accounts.sql("1", "index", "CREATE INDEX accounts_n_idx ON accounts (n);")
    m = plan_json(accounts, "--no-calibrate")["migrations"][0]
    pytest.importorskip("shoring.lint.linter")
    assert any(f["line"] == 2 and f["severity"] in ("error", "warning") for f in m["findings"])
    assert not plan_json(accounts, "--no-calibrate", "--no-lint")["migrations"][0]["findings"]


def test_mysql_plan_has_online_ddl_and_real_sizes(mysql_project):
    table_with_rows(mysql_project, "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(10), n INT)",
                    "INSERT INTO items VALUES " + ", ".join(f"({i}, 'n{i}', {i})" for i in range(1, 301)))
    mysql_project.sql("1", "changes", "ALTER TABLE items ADD COLUMN flag BOOLEAN;\nALTER TABLE items MODIFY n BIGINT;\n"
                                      "UPDATE items SET n = 0 WHERE id <= 100;")
    plan = plan_json(mysql_project)
    add, modify, update = plan["migrations"][0]["statements"]
    assert add["online_ddl"] == {"algorithm": "INSTANT", "lock": "NONE"} and not add["blocks_writes"]
    assert modify["online_ddl"] == {"algorithm": "COPY", "lock": "SHARED"} and modify["blocks_writes"]
    assert modify["rewrites"] == ["items"] and modify["estimate"]["source"] == "assumed"
    assert plan["volumes"]["items"]["rows"] is not None
    # the server's planner says how many rows the UPDATE touches, even in a read-only session
    assert "planner estimate" in update["work"][0]["rows_note"] and 50 <= update["work"][0]["rows"] <= 300


def test_sqlite_plan_names_the_database_lock(sqlite_project):
    table_with_rows(sqlite_project, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
                    "INSERT INTO notes (body) VALUES ('a'), ('b')")
    sqlite_project.sql("1", "add", "ALTER TABLE notes ADD COLUMN seen INTEGER;", "ALTER TABLE notes DROP COLUMN seen;")
    plan = plan_json(sqlite_project)
    st = only_statement(plan)
    assert st["locks"] == {"<database>": "RESERVED"} and st["blocks_writes"] and not st["blocks_reads"]
    assert plan["volumes"]["notes"] == {"rows": 2, "bytes": plan["volumes"]["notes"]["bytes"], "source": "count"}
    assert plan["migrations"][0]["reversible"] is True


def test_without_calibration_rates_are_learned_from_past_applies(pg_project):
    table_with_rows(pg_project, "CREATE TABLE big (id bigint PRIMARY KEY, n int, m int)",
                    "INSERT INTO big SELECT g, g % 97, g % 89 FROM generate_series(1, 150000) g")
    pg_project.sql("1", "index_n", "CREATE INDEX big_n_idx ON big (n);")
    assert pg_project.run("baseline", "0").code == 0  # adopt the database made by hand
    assert pg_project.run("apply").code == 0
    pg_project.sql("2", "index_m", "CREATE INDEX big_m_idx ON big (m);")
    plan = plan_json(pg_project, "--no-calibrate")
    assert plan["throughput"]["learned_from"].startswith("learned from 1 past apply(s) on this database")
    estimate = only_statement(plan)["estimate"]
    assert estimate["source"] == "history" and "learned from 1 past apply" in estimate["detail"]


def test_html_is_the_plan_document_as_one_page_with_sql_escaped(sqlite_project):
    sqlite_project.sql("1", "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"
                       "INSERT INTO notes (id, body) VALUES (1, '<script>alert(1)</script>');", "DROP TABLE notes;",
                       header="-- Purpose: notes, with markup in the data\n")
    page = sqlite_project.run("plan", "--format", "html")
    assert page.code == 0, page.err
    markdown = sqlite_project.run("plan", "--format", "markdown").out
    assert page.out.startswith("<!DOCTYPE html>") and page.out.rstrip().endswith("</html>")
    assert "<h1>" in page.out and "<h2>" in page.out and "<pre><code" in page.out
    assert "<script>" not in page.out and "&lt;script&gt;" in page.out
    # every section of the markdown document is in the page
    import html
    import re

    text = html.unescape(re.sub(r"<[^>]+>", "", page.out))
    headings = [line.lstrip("#").strip().replace("`", "") for line in markdown.splitlines() if line.startswith("#")]
    assert len(headings) > 3 and all(h in text for h in headings)
