"""PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any, Sequence

from shoring.engines.base import Activity, Engine, LockHolder, StatementError, lock_key, owner_tag
from shoring.engines.description import POSTGRESQL
from shoring.engines.url import DatabaseURL
from shoring.errors import DatabaseError


def _one_line(exc: BaseException, password: str | None) -> str:
    diag = getattr(exc, "diag", None)
    text = (getattr(diag, "message_primary", None) or str(exc)).strip()
    detail = getattr(diag, "message_detail", None)
    if detail:
        text = f"{text} ({detail.strip()})"
    text = " ".join(part.strip() for part in text.splitlines() if part.strip())
    if password:
        text = text.replace(password, "***")
    return text


def _prepare(params: Any) -> bool | None:
    """Parameterised statements (shoring's own history writes) repeat: let psycopg prepare them once
    they recur. Migration SQL runs once and never is."""
    return None if params else False


#: Each streaming standby's replay lag in seconds, asked on the primary. A standby that has replayed all
#: the WAL there is (replay_lsn at pg_current_wal_lsn) is not behind, whatever replay_lag still shows: the
#: walsender keeps the last measured lag until two replies in a row say everything is replayed (up to
#: 2 x wal_receiver_status_interval), so right after catching up a paused standby still reads as far
#: behind as its pause was long. A replay_lag of NULL with nothing left to replay is a caught-up, idle
#: standby (the docs' "show NULL"): 0. Senders that replay nothing (pg_basebackup, pg_receivewal: no
#: replay_lsn) are not replicas anyone reads from, and are not counted.
_REPLICA_LAG_SQL = (
    "SELECT count(*), max(CASE WHEN replay_lsn >= pg_current_wal_lsn() THEN 0 "
    "ELSE EXTRACT(EPOCH FROM replay_lag) END) FROM pg_stat_replication WHERE replay_lsn IS NOT NULL"
)


class PostgresEngine(Engine):
    description = traits = POSTGRESQL
    name = dialect = POSTGRESQL.name

    def __init__(self, url: DatabaseURL, *, fast_commits: bool = False, **_: Any):
        super().__init__(url)
        import psycopg

        self._psycopg = psycopg
        self._parallel_workers: int | None = None  # limit_parallel_workers: pg_repack is told too
        options = []
        if fast_commits:
            # Commits of migration + history row are atomic either way; we only defer the WAL flush
            # and flush once at the end of a run (durable_checkpoint) instead of once per migration.
            options.append("-c synchronous_commit=off")
        kwargs: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or 5432,
            "dbname": url.database or "postgres",
            "user": url.user or "postgres",
            "autocommit": True,
            "connect_timeout": int(url.options.get("connect_timeout", 5)),
            "application_name": owner_tag()[:63],
        }
        if url.password is not None:
            kwargs["password"] = url.password
        for key, value in url.options.items():
            if key not in ("connect_timeout",):
                kwargs[key] = value
        if options:
            kwargs["options"] = " ".join(options)
        try:
            self.conn = psycopg.connect(**kwargs)
        except psycopg.Error as exc:
            raise DatabaseError(f"cannot connect to {url.masked()}: {_one_line(exc, url.password)}") from None
        self._fast = fast_commits
        self._version = None
        self._begin_pending = False
        self._run_locks: set[str] = set()  # run locks this session holds
        if self.conn.info.server_version >= 140000:
            # A client killed mid-statement must not leave its backend (and our run lock) behind.
            self.execute("SET client_connection_check_interval = 1000")

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass

    @property
    def server_version(self) -> str:
        if self._version is None:
            v = self.conn.info.server_version
            self._version = f"{v // 10000}.{v % 10000}"
        return self._version

    def session_id(self) -> str:
        return str(self.conn.info.backend_pid)

    def _error(self, exc: BaseException) -> StatementError:
        code = getattr(exc, "sqlstate", None)
        reason = self.take_cancel_reason() if code == "57014" and self.cancel_reason else None  # query_canceled
        message = _one_line(exc, self.url.password) + (f" ({reason})" if reason else "")
        return StatementError(message, code=code, lock_timeout=code == "55P03" or reason is not None)

    def _send(self, items: Sequence[tuple[str, Sequence[Any] | None]]):
        """Send statements (and a deferred BEGIN) in one round trip; returns the last cursor."""
        if self._begin_pending:
            items = [("BEGIN", None), *items]
            self._begin_pending = False
        try:
            if len(items) == 1:
                return self.conn.execute(items[0][0], items[0][1], prepare=_prepare(items[0][1]))
            with self.conn.pipeline():
                cursors = [self.conn.execute(sql, params, prepare=_prepare(params)) for sql, params in items]
            return cursors[-1]
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def begin(self) -> None:
        # BEGIN travels with the first statement of the transaction instead of on its own
        self._begin_pending = True
        self.in_transaction = True

    def commit(self) -> None:
        self.commit_with([])

    def alive(self) -> bool:
        return not self.conn.closed

    def rollback(self) -> None:
        if self._begin_pending:
            self._begin_pending = False
            self.in_transaction = False
            return
        super().rollback()

    def execute_batch(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        if items:
            self._send(items)

    def commit_with(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        """The last writes of a transaction and its COMMIT in one round trip."""
        self._send([*items, ("COMMIT", None)])
        self.in_transaction = False

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return self._send([(sql, params)]).rowcount

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur = self._send([(sql, params)])
        try:
            return cur.fetchall() if cur.description else []
        except self._psycopg.Error as exc:
            raise self._error(exc) from None

    def durable_checkpoint(self) -> None:
        if self._fast:
            # A commit with an xid and synchronous_commit on waits for the WAL flush, which covers
            # every earlier (asynchronous) commit of this run.
            self.begin()
            self.execute("SET LOCAL synchronous_commit = on")
            self.query("SELECT pg_current_xact_id()")
            self.commit()

    def set_timeouts(self, lock_timeout_s: float | None, statement_timeout_s: float | None) -> None:
        self.execute(f"SET lock_timeout = {int((lock_timeout_s or 0) * 1000)}")
        self.execute(f"SET statement_timeout = {int((statement_timeout_s or 0) * 1000)}")

    def limit_parallel_workers(self, workers: int) -> None:
        self._parallel_workers = int(workers)
        for setting in _PARALLEL_WORKER_SETTINGS:
            self.execute(f"SET {setting} = {self._parallel_workers}")

    # --- run lock: a session advisory lock; it dies with the session ------------------------------
    def run_lock_try(self, name: str) -> bool:
        """Asking again for a lock this session holds says yes without taking it twice: PostgreSQL
        counts advisory locks, and the one release at the end of a run must free it."""
        if name in self._run_locks:
            return True
        got = bool(self.query("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])[0][0])
        if got:
            self._run_locks.add(name)
        return got

    def run_lock_wait(self, name: str, seconds: float) -> bool:
        """Try again and again rather than wait inside pg_advisory_lock: a waiting statement holds a
        snapshot, and CREATE INDEX CONCURRENTLY in the run that holds the lock waits for every older
        snapshot, so it would wait for its waiters (a deadlock). Between tries this session holds nothing."""
        import tenacity

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(lambda got: not got),
            stop=tenacity.stop_after_delay(seconds),
            wait=tenacity.wait_exponential(multiplier=0.01, max=0.5) + tenacity.wait_random(0, 0.05),
            retry_error_callback=lambda state: False,
        )
        return retrying(self.run_lock_try, name)

    def run_lock_release(self, name: str) -> None:
        if name in self._run_locks:
            self._run_locks.discard(name)
            self.query("SELECT pg_advisory_unlock(%s)", [lock_key(name)])

    def run_lock_holder(self, name: str) -> LockHolder | None:
        key = lock_key(name)
        row = self.query_one(
            """SELECT a.pid, a.application_name, a.query, EXTRACT(EPOCH FROM clock_timestamp() - a.query_start)
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1""",
            [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
        )
        if row is None:
            return None
        return LockHolder(session=str(row[0]), application=row[1], query=row[2], seconds=float(row[3] or 0))

    def terminate_session(self, session: str) -> None:
        self.query("SELECT pg_terminate_backend(%s)", [int(session)])

    def blocked_by(self, session: str) -> tuple[int, float]:
        # pg_blocking_pids names the holders and the sessions queued ahead with a conflicting request
        row = self.query_one(
            """SELECT count(*), COALESCE(EXTRACT(EPOCH FROM max(clock_timestamp() - l.waitstart)), 0)
                 FROM pg_locks l WHERE NOT l.granted AND l.pid <> %s AND %s = ANY(pg_blocking_pids(l.pid))""",
            [int(session), int(session)])
        return int(row[0]), float(row[1])

    def cancel_statement(self, session: str) -> None:
        self.query("SELECT pg_cancel_backend(%s)", [int(session)])

    def activity(self, session: str) -> Activity | None:
        # clock_timestamp(), not now(): now() is when this session's own statement began, which can be
        # before the other's, and the monitor said it had run for -0.0s
        row = self.query_one(
            """SELECT state, wait_event_type, EXTRACT(EPOCH FROM clock_timestamp() - query_start), query, pg_blocking_pids(pid)
                 FROM pg_stat_activity WHERE pid = %s""", [int(session)])
        if row is None or row[0] != "active":
            return None
        state, wait_type, seconds, query, blocking = row
        blockers = []
        for pid in blocking or ():
            who = self.query_one(
                "SELECT application_name, query, EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(xact_start, query_start)), state "
                "FROM pg_stat_activity WHERE pid = %s", [pid])
            if who:
                blockers.append(LockHolder(str(pid), who[0] or None, who[1], float(who[2]) if who[2] is not None else None,
                                           state=who[3]))
        progress = None
        for view, label, columns in _PROGRESS_VIEWS:
            p = self.query_one(f"SELECT phase, {columns} FROM {view} WHERE pid = %s", [int(session)])
            if p:
                phase, bd, bt, td, tt = p
                share = f": {100 * bd // bt}% of blocks" if bt else (f": {100 * td // tt}% of rows" if tt else "")
                progress = f"{label}, {phase}{share}"
                break
        return Activity(seconds=float(seconds) if seconds is not None else None, query=query,
                        waiting_for="a lock" if wait_type == "Lock" else None, blockers=tuple(blockers), progress=progress)

    def table_lock_holders(self, tables: Sequence[str]) -> list[LockHolder]:
        names = [".".join(self.quote(p) for p in t.split(".")) for t in tables]
        rows = self.query(
            """SELECT a.pid, a.application_name, a.query, EXTRACT(EPOCH FROM clock_timestamp() - COALESCE(a.xact_start, a.query_start)),
                      a.state, min(c.relname)
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid JOIN pg_class c ON c.oid = l.relation
                WHERE l.granted AND l.locktype = 'relation' AND l.pid <> pg_backend_pid()
                  AND l.relation IN (SELECT to_regclass(x) FROM unnest(%s::text[]) AS x)
                GROUP BY 1, 2, 3, 4, 5 ORDER BY 4 DESC NULLS LAST""",
            [names],
        )
        return [LockHolder(session=str(r[0]), application=r[1] or None, query=r[2], seconds=float(r[3]) if r[3] is not None else None,
                           state=r[4], relation=r[5]) for r in rows]

    # --- databases ----------------------------------------------------------------------------
    def create_database(self, name: str, template: str | None = None) -> None:
        sql = f"CREATE DATABASE {self.quote(name)}"
        if template:
            sql += f" TEMPLATE {self.quote(template)}"
        self.execute(sql)

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote(name)} WITH (FORCE)")

    def table_exists(self, table: str) -> bool:
        return self.query_one("SELECT to_regclass(%s) IS NOT NULL", [self.quote(table)])[0]

    def replication_lag(self) -> tuple[int, float | None] | None:
        """On a primary: its streaming replicas' replay lag; on a replica: how far behind its own replay is."""
        if self.query_one("SELECT pg_is_in_recovery()")[0]:
            lag = self.query_one("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")[0]
            return 1, float(lag) if lag is not None else None
        count, lag = self.query_one(_REPLICA_LAG_SQL)
        return int(count), float(lag) if lag is not None else (0.0 if count else None)

    def data_directory(self) -> str | None:
        try:
            return self.query_one("SELECT current_setting('data_directory')")[0]
        except StatementError:
            return None  # only superusers and pg_read_all_settings may read it

    def invalid_indexes(self) -> list[str]:
        rows = self.query(
            "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
        return [r[0] for r in rows]

    def trigger_exists(self, name: str, table: str | None = None) -> bool:
        return self.query_one("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname = %s "
                              "AND (%s::text IS NULL OR tgrelid = to_regclass(quote_ident(%s)))", [name, table, table])[0] > 0

    def index_valid(self, name: str, table: str | None = None) -> bool | None:
        row = self.query_one("SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(%s)", [self.quote(name)])
        return None if row is None else bool(row[0])

    def column_names(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
            [table],
        )
        return [r[0] for r in rows]


#: pg_stat_progress_* views of statements a migration runs long, and what to call their work

    # --- read-only sessions (plan, lint --live, drift) ---------------------------------------------
    def read_only_session(self) -> None:
        self.execute("SET default_transaction_read_only = on")
        self.execute("SET lock_timeout = '2s'")
        self.execute("SET statement_timeout = '60s'")

    def explain_rows(self, sql: str) -> int | None:
        import json

        from shoring.engines.shapes import matching_select

        try:
            row = self.query_one(f"EXPLAIN (FORMAT JSON) {sql}")
        except Exception:  # noqa: BLE001 - e.g. an INSERT into a table an earlier migration creates
            select = matching_select(sql, self.description.sqlglot_dialect)
            if select == sql:
                raise
            row = self.query_one(f"EXPLAIN (FORMAT JSON) {select}")  # the rows its query makes
        data = row[0] if not isinstance(row[0], str) else json.loads(row[0])
        top = data[0]["Plan"]
        if top.get("Node Type") == "ModifyTable" and top.get("Plans"):
            top = top["Plans"][0]
        return int(top.get("Plan Rows", 0))

    def analysis_settings(self) -> dict[str, str]:
        # the session default decides whether timestamp <-> timestamptz rewrites the table
        return {"timezone": self.query("SELECT current_setting('TimeZone')")[0][0]}

    def columns_without_statistics(self, table: str, columns: list[str]) -> list[str]:
        if not columns:
            return []
        schema, _, rel = table.rpartition(".")
        rows = self.query(
            "SELECT attname FROM pg_stats WHERE schemaname = coalesce(nullif(%s, ''), current_schema()) "
            "AND tablename = %s", [schema, rel])
        have = {r[0] for r in rows}
        return [c for c in columns if c not in have]

    def tool_environment(self) -> dict[str, str]:
        env, url = super().tool_environment(), self.url
        env.update(PGHOST=url.host or "localhost", PGPORT=str(url.port or 5432), PGUSER=url.user or "postgres",
                   PGDATABASE=url.database)
        if url.password:
            env["PGPASSWORD"] = url.password
        if self._parallel_workers is not None:  # pg_repack's own index builds keep to this session's cap
            caps = " ".join(f"-c {setting}={self._parallel_workers}" for setting in _PARALLEL_WORKER_SETTINGS)
            env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {caps}".strip()
        return env


#: the helper processes a statement may start: an index build's (CREATE INDEX, REINDEX), a query's
#: (a verification scan, INSERT ... SELECT, CREATE TABLE AS)
_PARALLEL_WORKER_SETTINGS = ("max_parallel_maintenance_workers", "max_parallel_workers_per_gather")


_PROGRESS_VIEWS = (
    ("pg_stat_progress_create_index", "building an index", "blocks_done, blocks_total, tuples_done, tuples_total"),
    ("pg_stat_progress_cluster", "rewriting the table", "heap_blks_scanned, heap_blks_total, heap_tuples_written, NULL"),
)
