"""MySQL and MariaDB through PyMySQL. DDL commits implicitly here, so the runner records progress per statement."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from shoring.engines.base import Activity, Engine, LockHolder, StatementError, owner_tag
from shoring.engines.description import MYSQL
from shoring.engines.url import DatabaseURL
from shoring.errors import DatabaseError

_LOCK_TIMEOUT_CODES = {1205, 3572}  # lock wait timeout, NOWAIT refused
#: Sessions waiting for a row lock this session's transaction holds: (count, longest wait in seconds)
_ROW_LOCK_WAITS = (
    # MariaDB
    "SELECT COUNT(*), COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, r.trx_wait_started, NOW(6))), 0) / 1e6 "
    "FROM information_schema.INNODB_LOCK_WAITS w JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id "
    "JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id WHERE b.trx_mysql_thread_id = %s",
    # MySQL 8
    "SELECT COUNT(*), COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, r.trx_wait_started, NOW(6))), 0) / 1e6 "
    "FROM performance_schema.data_lock_waits w JOIN information_schema.INNODB_TRX b "
    "ON b.trx_id = w.BLOCKING_ENGINE_TRANSACTION_ID JOIN information_schema.INNODB_TRX r "
    "ON r.trx_id = w.REQUESTING_ENGINE_TRANSACTION_ID WHERE b.trx_mysql_thread_id = %s",
)


#: Who holds a metadata lock on given tables of this database, where the server can say: MariaDB's
#: metadata_lock_info plugin, then performance_schema (MySQL 8 has it on; MariaDB only when configured).
#: InnoDB refreshes its copy of the transactions and lock waits (information_schema.INNODB_TRX,
#: INNODB_LOCK_WAITS) only after this long without any reader: a session reading them more often
#: reads the same stale copy for as long as it keeps reading.
_TRX_CACHE_SECONDS = 0.11

#: A transaction that has begun, in SHOW ENGINE INNODB STATUS, and the session running it. The monitor is
#: built when asked, unlike information_schema.INNODB_TRX: another session polling that (a watcher, a
#: throttle) keeps it stale for as long as it polls.
_ACTIVE_TRANSACTION = re.compile(
    r"^---TRANSACTION [^\n]*, ACTIVE (?:\([A-Z ]+\) )?(\d+) sec[^\n]*\n(?:[^-][^\n]*\n)*?(?:MySQL|MariaDB) thread id (\d+),", re.M)

_METADATA_LOCK_HOLDERS = (
    """SELECT p.ID, p.USER, p.INFO, p.TIME, p.COMMAND, MIN(m.TABLE_NAME)
         FROM information_schema.METADATA_LOCK_INFO m JOIN information_schema.PROCESSLIST p ON p.ID = m.THREAD_ID
        WHERE m.TABLE_SCHEMA = DATABASE() AND m.TABLE_NAME IN ({marks}) AND p.ID <> CONNECTION_ID()
        GROUP BY 1, 2, 3, 4, 5""",
    """SELECT p.ID, p.USER, p.INFO, p.TIME, p.COMMAND, MIN(m.OBJECT_NAME)
         FROM performance_schema.metadata_locks m
         JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID
         JOIN information_schema.PROCESSLIST p ON p.ID = t.PROCESSLIST_ID
        WHERE m.OBJECT_TYPE = 'TABLE' AND m.LOCK_STATUS = 'GRANTED' AND m.OBJECT_SCHEMA = DATABASE()
          AND m.OBJECT_NAME IN ({marks}) AND p.ID <> CONNECTION_ID()
        GROUP BY 1, 2, 3, 4, 5""",
)


class MySQLEngine(Engine):
    description = traits = MYSQL
    name = dialect = MYSQL.name

    def __init__(self, url: DatabaseURL, **_: Any):
        super().__init__(url)
        import pymysql

        self._pymysql = pymysql
        self._innodb_read_at = 0.0  # when this session last read InnoDB's transaction views
        try:
            self.conn = pymysql.connect(
                host=url.host or "localhost",
                port=url.port or 3306,
                user=url.user or "root",
                password=url.password or "",
                database=url.database or None,
                autocommit=True,
                charset="utf8mb4",
                connect_timeout=int(url.options.get("connect_timeout", 5)),
                program_name=owner_tag()[:60],
            )
        except pymysql.MySQLError as exc:
            raise DatabaseError(f"cannot connect to {url.masked()}: {self._message(exc)}") from None
        self._run_locks: set[str] = set()  # run locks this session holds
        version = self.conn.get_server_info()
        # MariaDB announces itself as "5.5.5-10.11.9-MariaDB..." for old replication clients
        self._version: str = version[6:] if version.startswith("5.5.5-") and "mariadb" in version.lower() else version

    def _message(self, exc: BaseException) -> str:
        args = getattr(exc, "args", ())
        text = str(args[1]) if len(args) > 1 else str(exc)
        text = " ".join(text.split())
        if not text:
            # PyMySQL's InterfaceError(0, '') for a connection that is already gone says nothing itself
            text = ("the connection to the server was lost (it closed or was killed)" if not self.conn_open()
                    else f"the driver raised {type(exc).__name__} without a message")
        if self.url.password:
            text = text.replace(self.url.password, "***")
        return text

    def conn_open(self) -> bool:
        conn = getattr(self, "conn", None)
        return bool(conn is not None and conn.open)

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass

    def alive(self) -> bool:
        # PyMySQL notices a killed connection only when it next talks to the server
        if not self.conn.open:
            return False
        try:
            self.conn.ping(reconnect=False)
        except self._pymysql.MySQLError:
            return False
        return True

    @property
    def server_version(self) -> str:
        return self._version

    @property
    def is_mariadb(self) -> bool:
        return "mariadb" in self._version.lower()

    def session_id(self) -> str:
        return str(self.conn.thread_id())

    def _error(self, exc: BaseException) -> StatementError:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        reason = self.take_cancel_reason() if code == 1317 and self.cancel_reason else None  # query interrupted
        message = self._message(exc) + (f" ({reason})" if reason else "")
        return StatementError(message, code=str(code) if code else None,
                              lock_timeout=code in _LOCK_TIMEOUT_CODES or reason is not None)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        try:
            with self.conn.cursor() as cur:
                return cur.execute(sql, params)
        except self._pymysql.MySQLError as exc:
            raise self._error(exc) from None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                return list(cur.fetchall()) if cur.description else []
        except self._pymysql.MySQLError as exc:
            raise self._error(exc) from None

    def set_timeouts(self, lock_timeout_s: float | None, statement_timeout_s: float | None) -> None:
        # lock_wait_timeout bounds metadata-lock waits (the DDL lock queue); it defaults to a year or a day.
        # None lifts a bound set before (the server's own default again), as on the other engines: it left it.
        # Whole seconds only. 0 would be NOWAIT, which under load refuses even the brief metadata lock a
        # CREATE TRIGGER needs, every time: a shorter bound on the queue is max_blocking's work
        wait = max(1, int(lock_timeout_s)) if lock_timeout_s else "DEFAULT"
        self.execute(f"SET SESSION lock_wait_timeout = {wait}")
        self.execute(f"SET SESSION innodb_lock_wait_timeout = {wait}")
        if self.is_mariadb:
            self.execute(f"SET SESSION max_statement_time = {float(statement_timeout_s or 0)}")
        else:
            self.execute(f"SET SESSION max_execution_time = {int((statement_timeout_s or 0) * 1000)}")

    def scratch_session(self) -> None:
        """Fit this session for copying a user's rows into a scratch database on the same server.

        READ COMMITTED reads a snapshot and takes no row locks on the source (REPEATABLE READ's
        INSERT ... SELECT would lock every row it reads); a short lock_wait_timeout never queues
        behind the application; and where the user may, the scratch writes stay out of the binary
        log, so replicas never see them.
        """
        self.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        self.execute("SET SESSION lock_wait_timeout = 5")
        try:
            self.execute("SET SESSION sql_log_bin = 0")
        except StatementError:
            pass  # needs SUPER / BINLOG ADMIN: the scratch work is logged, as any user's would be

    # --- run lock: GET_LOCK is per server, so the name carries the database ----------------------
    def _lock_name(self, name: str) -> str:
        return f"shoring:{self.url.database}:{name}"[:64]

    def run_lock_try(self, name: str) -> bool:
        return self.run_lock_wait(name, 0)

    def run_lock_wait(self, name: str, seconds: float) -> bool:
        """Asking again for a lock this session holds says yes without taking it twice: GET_LOCK counts
        (MariaDB 10.0.2+, MySQL 5.7+), and the one release at the end of a run must free it."""
        if name in self._run_locks:
            return True
        wait = max(1, int(seconds)) if seconds else 0
        got = self.query_one("SELECT GET_LOCK(%s, %s)", [self._lock_name(name), wait])[0] == 1
        if got:
            self._run_locks.add(name)
        return got

    def run_lock_release(self, name: str) -> None:
        if name in self._run_locks:
            self._run_locks.discard(name)
            self.query("SELECT RELEASE_LOCK(%s)", [self._lock_name(name)])

    def run_lock_holder(self, name: str) -> LockHolder | None:
        row = self.query_one("SELECT IS_USED_LOCK(%s)", [self._lock_name(name)])
        if not row or row[0] is None:
            return None
        session = str(row[0])
        info = self.query_one("SELECT INFO, TIME FROM information_schema.PROCESSLIST WHERE ID = %s", [int(session)])
        return LockHolder(
            session=session, application=None, query=info[0] if info else None, seconds=float(info[1]) if info else None
        )

    def activity(self, session: str) -> Activity | None:
        """MariaDB reports the progress of ALTER TABLE and friends (PROGRESS, STAGE) in its processlist."""
        try:
            row = self.query_one("SELECT COMMAND, TIME_MS / 1000, INFO, STATE, PROGRESS, STAGE, MAX_STAGE "
                                 "FROM information_schema.PROCESSLIST WHERE ID = %s", [int(session)])
        except StatementError:  # MySQL: no TIME_MS, PROGRESS or STAGE
            row = self.query_one("SELECT COMMAND, TIME, INFO, STATE, NULL, NULL, NULL "
                                 "FROM information_schema.PROCESSLIST WHERE ID = %s", [int(session)])
        if row is None or row[0] == "Sleep" or not row[2]:
            return None
        _, seconds, query, state, progress, stage, stages = row
        waiting = "a metadata lock" if state and "metadata lock" in state.lower() else (
            "a row lock" if state and "lock" in state.lower() else None)
        done = f"{state or 'running'}: {float(progress):.0f}%" + (f" (stage {stage} of {stages})" if stages and stages > 1 else "") \
            if progress else None
        return Activity(seconds=float(seconds) if seconds is not None else None, query=query, waiting_for=waiting,
                        progress=done)

    def table_lock_holders(self, tables: Sequence[str]) -> list[LockHolder]:
        """Sessions holding a metadata lock on the tables: named by the metadata_lock_info plugin, or by
        performance_schema.metadata_locks where it is on; else the other sessions with an open transaction
        in this database (one of them holds it; the server does not say which), never another database's."""
        bare = [t.split(".")[-1] for t in tables]
        marks = ", ".join(["%s"] * len(bare))
        rows = None
        for sql in _METADATA_LOCK_HOLDERS:
            try:
                if "performance_schema.metadata_locks" in sql and not self.query_one("SELECT @@performance_schema")[0]:
                    continue  # the table is there but empty while performance_schema is off
                rows = self.query(sql.format(marks=marks), bare)
                break
            except StatementError:
                continue  # no plugin, or no performance_schema on this server
        if rows is None:
            rows = self._open_transactions_here()
        return [LockHolder(session=str(r[0]), application=r[1], query=r[2], seconds=float(r[3]) if r[3] is not None else None,
                           state="idle in transaction" if r[4] == "Sleep" else (r[4] or "").lower() or None, relation=r[5])
                for r in rows]

    def _open_transactions_here(self) -> list[tuple]:
        """Other sessions of this database with an open transaction, read from the InnoDB monitor (fresh)
        where this user may read it, else from information_schema.INNODB_TRX (up to 0.1 s stale, or more)."""
        try:
            monitor = self.query_one("SHOW ENGINE INNODB STATUS")[2]
        except StatementError:
            with self._innodb_views():
                return self.query(
                    """SELECT p.ID, p.USER, p.INFO, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), p.COMMAND, NULL
                         FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
                        WHERE p.ID <> CONNECTION_ID() AND p.DB <=> DATABASE() ORDER BY t.trx_started""")
        active = {int(thread): int(seconds) for seconds, thread in _ACTIVE_TRANSACTION.findall(monitor)}
        if not active:
            return []
        marks = ", ".join(["%s"] * len(active))
        sessions = self.query(f"SELECT ID, USER, INFO, COMMAND FROM information_schema.PROCESSLIST "
                              f"WHERE ID IN ({marks}) AND ID <> CONNECTION_ID() AND DB <=> DATABASE()", list(active))
        return sorted(((i, user, info, active[i], command, None) for i, user, info, command in sessions), key=lambda r: -r[3])

    @contextmanager
    def _innodb_views(self) -> Iterator[None]:
        """Around a read of InnoDB's transaction views: this session's reads are kept _TRX_CACHE_SECONDS
        apart, so that a caller polling fast (a test waiting for a lock wait to show) does not keep them
        stale itself. Other sessions polling them as fast are out of our hands."""
        since = time.monotonic() - self._innodb_read_at
        if since < _TRX_CACHE_SECONDS:
            time.sleep(_TRX_CACHE_SECONDS - since)
        try:
            yield
        finally:
            self._innodb_read_at = time.monotonic()

    def blocked_by(self, session: str) -> tuple[int, float]:
        """Row-lock waits on this session's transaction, and metadata-lock waits in its database while it
        runs a statement (without the metadata_lock_info plugin the holder is not named: any such wait counts)."""
        count, longest = 0, 0.0
        with self._innodb_views():
            for sql in _ROW_LOCK_WAITS:
                try:
                    row = self.query_one(sql, [int(session)])
                except StatementError:
                    continue  # MariaDB and MySQL 8 keep the lock waits in different places
                count, longest = int(row[0]), float(row[1] or 0)
                break
        waited = "w.TIME_MS / 1000" if self.is_mariadb else "w.TIME"
        row = self.query_one(
            f"SELECT COUNT(*), COALESCE(MAX({waited}), 0) FROM information_schema.PROCESSLIST w "
            "JOIN information_schema.PROCESSLIST me ON me.ID = %s AND me.COMMAND = 'Query' "
            "WHERE w.ID <> me.ID AND w.DB <=> me.DB AND w.STATE = 'Waiting for table metadata lock'", [int(session)])
        if row and row[0]:
            count, longest = count + int(row[0]), max(longest, float(row[1] or 0))
        return count, longest

    def cancel_statement(self, session: str) -> None:
        self.execute(f"KILL QUERY {int(session)}")

    def terminate_session(self, session: str) -> None:
        try:
            self.execute(f"KILL CONNECTION {int(session)}")
        except StatementError:
            pass  # already gone

    # --- databases ----------------------------------------------------------------------------
    def create_database(self, name: str) -> None:
        self.execute(f"CREATE DATABASE {self.quote(name)}")

    def drop_database(self, name: str) -> None:
        """Dropped, retried for a few seconds on "Directory not empty" (1010): the files of an ALTER that a
        killed session ran are removed by the server only when that session's rollback ends (seen once in
        a full test run, right after the OnlineAlter tests' KILLs)."""
        import tenacity

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: isinstance(e, StatementError) and e.code == "1010"),
            wait=tenacity.wait_exponential(multiplier=0.1, max=2), stop=tenacity.stop_after_delay(10), reraise=True)
        for attempt in retrying:
            with attempt:
                self.execute(f"DROP DATABASE IF EXISTS {self.quote(name)}")

    ANALYZE = "ANALYZE TABLE {table}"

    def replication_lag(self) -> tuple[int, float | None] | None:
        """On a replica: Seconds_Behind_Master; on a primary: how many replicas registered (each knows its own lag)."""
        try:
            status = self.query("SHOW SLAVE STATUS")
        except StatementError:
            status = []
        if status:
            return 1, self._slave_lag()
        try:
            hosts = self.query("SHOW SLAVE HOSTS")
        except StatementError:
            hosts = []
        return len(hosts), None

    def _slave_lag(self) -> float | None:
        with self.conn.cursor() as cur:
            cur.execute("SHOW SLAVE STATUS")
            cols = [d[0] for d in cur.description]
            row = cur.fetchone()
        value = dict(zip(cols, row)).get("Seconds_Behind_Master") if row else None
        return float(value) if value is not None else None

    def data_directory(self) -> str | None:
        return self.query_one("SELECT @@datadir")[0]

    def table_exists(self, table: str) -> bool:
        return bool(
            self.query_one(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", [table]
            )[0]
        )

    def trigger_exists(self, name: str, table: str | None = None) -> bool:
        return self.query_one("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
                              "AND TRIGGER_NAME = %s", [name])[0] > 0

    def index_valid(self, name: str, table: str | None = None) -> bool | None:
        row = self.query_one("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                             "AND TABLE_NAME = %s AND INDEX_NAME = %s", [table, name])
        return True if row and row[0] else None

    def column_names(self, table: str) -> list[str]:
        rows = self.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            [table],
        )
        return [r[0] for r in rows]

    # --- read-only sessions (plan, lint --live, drift) ---------------------------------------------
    def read_only_session(self) -> None:
        self.execute("SET SESSION TRANSACTION READ ONLY")
        self.execute("SET SESSION lock_wait_timeout = 2")

    def explain_rows(self, sql: str) -> int | None:
        from shoring.engines.shapes import limit_of, matching_select

        dialect = self.description.sqlglot_dialect
        # MariaDB refuses EXPLAIN UPDATE/DELETE in a read-only session: ask about the rows they match
        rows = self.query(f"EXPLAIN {matching_select(sql, dialect)}")
        if not rows:
            return None
        # the `rows` column: 9th in MariaDB and MySQL 8 tabular EXPLAIN; it leaves out the LIMIT
        values = [r[8] for r in rows if len(r) > 8 and r[8] is not None]
        limit = limit_of(sql, dialect)
        return min(int(values[0]), limit if limit is not None else int(values[0])) if values else None

    def tool_environment(self) -> dict[str, str]:
        env, url = super().tool_environment(), self.url
        env.update(MYSQL_HOST=url.host or "localhost", MYSQL_TCP_PORT=str(url.port or 3306), MYSQL_USER=url.user or "root",
                   MYSQL_DATABASE=url.database)
        if url.password:
            env["MYSQL_PWD"] = url.password
        return env
