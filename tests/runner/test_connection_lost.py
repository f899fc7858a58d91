"""The connection dies mid-migration: one clear line, exit 1, and a history that still tells the truth."""

from __future__ import annotations

import pytest

@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
@pytest.mark.parametrize("statement_by_statement", [False, True])
def test_lost_connection_is_reported_in_one_line_and_status_stays_truthful(project, statement_by_statement):
    header = '"""\nTransaction: false\n"""\n' if statement_by_statement else ""
    who = "pg_backend_pid()" if project.engine == "postgresql" else "CONNECTION_ID()"
    kill = "SELECT pg_terminate_backend({})" if project.engine == "postgresql" else "KILL CONNECTION {}"
    project.write("1_dies.py", header + f'''
def up(ctx):
    ctx.execute("CREATE TABLE made_first (id INTEGER)")
    me = ctx.query("SELECT {who}")[0][0]
    ctx.execute("{kill}".format(me))
''')
    result = project.run("apply")
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert "connection to the database was lost" in lines[0]
    row = project.run("status", "--format", "json").json["migrations"][0]
    if project.engine == "mysql" or statement_by_statement:
        # DDL took effect: the history still says the migration was started and never finished
        assert row["state"] == "interrupted", row
        assert "made_first" in project.tables()
    else:
        assert row["state"] == "pending" and "made_first" not in project.tables()


@pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)
def test_a_statement_on_a_connection_already_gone_says_so(project):
    """PyMySQL raises InterfaceError(0, '') there: the failure must still say what happened (issue 14, item 10)."""
    project.write("1_dies.py", '''"""
Transaction: false
"""
def up(ctx):
    ctx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    me = ctx.query("SELECT CONNECTION_ID()")[0][0]
    for sql in (f"KILL CONNECTION {me}", "SELECT 1"):  # killed, then the driver notices it is gone
        try:
            ctx.execute(sql)
        except Exception:
            pass
    ctx.execute("ALTER TABLE t MODIFY v INTEGER NOT NULL")
''')
    result = project.run("apply")
    assert result.code == 1
    assert "failed at up(ctx): the connection to the server was lost (it closed or was killed)." in result.err
    assert ": ." not in result.err
