"""Lock blame on MariaDB/MySQL names the sessions that may hold the table, not those of other databases
(issue 15: without the metadata_lock_info plugin, every open transaction on the server was named)."""

from __future__ import annotations

from conftest import new_database

from shoring.engines import connect


def test_sessions_in_other_databases_are_not_blamed(mysql_url, tmp_path):
    other_url, drop_other = new_database("mysql", tmp_path)
    try:
        with connect(mysql_url) as setup:
            setup.execute("CREATE TABLE t (id int PRIMARY KEY)")
        with connect(other_url) as setup:
            setup.execute("CREATE TABLE elsewhere (id int PRIMARY KEY)")
        with connect(mysql_url) as holder, connect(other_url) as bystander, connect(mysql_url) as blamer:
            holder.begin()
            holder.query("SELECT * FROM t")  # an open transaction that read t: it holds t's metadata lock
            bystander.begin()
            bystander.query("SELECT * FROM elsewhere")  # an open transaction in another database
            named = {h.session for h in blamer.table_lock_holders(["t"])}
            assert holder.session_id() in named
            assert bystander.session_id() not in named
            holder.rollback()
            bystander.rollback()
    finally:
        drop_other()
