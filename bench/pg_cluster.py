"""PostgreSQL clusters of one's own: initdb under a temporary folder on a free port, and streaming
standbys made from them with pg_basebackup. Restarting or pausing them hurts no one else.

Shared by bench/chaos.py (it restarts its cluster mid-run) and the tests that need a real replica
(tests/operations/test_throttle_replica.py). As root the server runs as OS user postgres (runuser).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("SHORING_CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(args: list[str]) -> list[str]:
    return args if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]


def cluster_problem() -> str | None:
    """Why this machine cannot start a cluster of its own (None: it can)."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {PG_BIN} (set SHORING_CHAOS_PG_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start PostgreSQL as user postgres"
    return None


def _run(args: list[str]) -> None:
    done = subprocess.run(as_postgres(args), check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


class PgCluster:
    """A cluster in its own folder on its own port. `settings` go on the server's command line.

    A primary takes replication connections from 127.0.0.1 (wal_level=replica, a `replication`
    line in pg_hba.conf), so `standby()` can copy it with pg_basebackup."""

    def __init__(self, prefix: str = "chaos-pg-", settings: dict[str, str] | None = None, *, _from: PgCluster | None = None):
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.port = free_port()
        self.settings = {"listen_addresses": "127.0.0.1", "fsync": "off", **(settings or {})}
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        try:
            if _from is None:
                _run([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
                with (self.data / "pg_hba.conf").open("a", encoding="utf-8") as hba:
                    hba.write("host replication postgres 127.0.0.1/32 trust\n")
            else:  # -R writes standby.signal and primary_conninfo: it starts as a streaming standby
                _run([str(PG_BIN / "pg_basebackup"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(_from.port),
                      "-U", "postgres", "-R", "-X", "stream", "-c", "fast"])
            self.start()
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def standby(self, prefix: str = "standby-pg-", settings: dict[str, str] | None = None) -> PgCluster:
        """A streaming standby of this cluster (pg_basebackup -R), started on a free port of its own."""
        return PgCluster(prefix, settings, _from=self)

    def ctl(self, *args: str) -> None:
        options = " ".join(f"-c {k}={v}" for k, v in self.settings.items())
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.dir / "log"),
              "-o", f"-p {self.port} -k {self.dir} {options}", *args])

    def start(self) -> None:
        self.ctl("start")

    def restart(self) -> None:
        self.ctl("restart", "-m", "immediate")  # like a crash: no checkpoint, WAL replay on start

    def stop(self) -> None:
        """Stop the server and remove its folder (whatever state it is in)."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
