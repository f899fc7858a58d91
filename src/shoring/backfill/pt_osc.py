"""OnlineAlter(method="pt-osc"): the same online ALTER, done by Percona's pt-online-schema-change
where the team already trusts it. The same refusals come first (foreign keys; a key to walk by), and
the same guarantee holds: until its atomic RENAME the original table is untouched, and a failure
(a row the ALTER rejects) leaves no trigger or copy behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, Callable

from shoring.errors import ShoringError


@dataclass(frozen=True)
class PtOnlineSchemaChange:
    table: str
    alter: str
    key: str = "id"
    batch_size: int = 1000
    timeout: float = 24 * 3600.0
    op_marks = {"online_copy": True}  # analysis: the rules that warn of blocking copies let it be

    @staticmethod
    def adjust_effect(eff: Any) -> Any:
        from shoring.backfill.shadow_copy import ShadowCopy

        return ShadowCopy.adjust_effect(eff)

    def run(self, engine: Any, *, say: Callable[[str], None] = lambda s: None, own_transactions: bool = True,
            **options: Any) -> None:
        from shoring.backfill.shadow_copy import ShadowCopy

        if not own_transactions:
            raise ShoringError("pt-online-schema-change works from its own connections: it cannot run inside a transaction "
                               "(remove `Transaction: true` from the migration's header)")
        binary = shutil.which("pt-online-schema-change")
        if binary is None:
            raise ShoringError("method='pt-osc' needs pt-online-schema-change, which is not installed here (Debian/Ubuntu: "
                               "apt-get install percona-toolkit); the built-in method needs nothing")
        ShadowCopy(self.table, self.alter, self.key)._refuse_foreign_keys(engine)
        if self.key not in engine.column_names(self.table):
            raise ShoringError(f"{self.table} has no column {self.key} to walk by (key=)")
        url = engine.url
        dsn = f"h={url.host or 'localhost'},P={url.port or 3306},u={url.user or 'root'},D={url.database},t={self.table}"
        with tempfile.TemporaryDirectory(prefix="shoring_ptosc_") as folder:
            args = [binary, "--alter", self.alter, "--execute", "--recursion-method=none", "--charset=utf8mb4",
                    f"--chunk-size={int(self.batch_size)}", "--quiet"]
            # pt-osc's own checks stay on: it refuses a new unique key, whose INSERT IGNORE copy would drop duplicates
            if url.password:  # a defaults file only this user can read, never the command line
                secret = os.path.join(folder, "client.cnf")
                with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), "w", encoding="utf-8") as handle:
                    handle.write(f"[client]\npassword={url.password}\n")
                dsn += f",F={secret}"
            say(f"  pt-online-schema-change --alter {self.alter!r} on {self.table}")
            try:
                done = subprocess.run([*args, dsn], capture_output=True, text=True, timeout=self.timeout, check=False)
            except subprocess.TimeoutExpired:
                raise ShoringError(f"pt-online-schema-change on {self.table} took longer than {self.timeout:g}s and was stopped; "
                                   f"{self.table} is untouched until its RENAME: drop its _{self.table}_new copy and triggers "
                                   "if it left them") from None
        if done.returncode != 0:
            lines = [ln for ln in (done.stderr + "\n" + done.stdout).splitlines() if ln.strip()]
            why = next((ln for ln in reversed(lines) if "Error" in ln or "error" in ln), lines[-1] if lines else "no output")
            raise ShoringError(f"pt-online-schema-change on {self.table} failed (exit {done.returncode}), "
                               f"{self.table} is untouched: {why.strip()}")
