"""[notify] webhook: JSON on start, success, failure and rollback, never holding up a migration."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import wait_until


class Receiver:
    """A real HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self, fail_first: int = 0, hang: threading.Event | None = None):
        self.bodies: list[dict] = []
        self.fail_first = fail_first
        self.hang = hang
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if receiver.hang is not None:
                    receiver.hang.wait(30)
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.bodies.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/secret-token"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def configure(project, url: str, timeout: str = "2s", retries: int = 2) -> None:
    with open(project.root / "shoring.toml", "a") as fh:
        fh.write(f'\n[notify]\nwebhook = "{url}"\ntimeout = "{timeout}"\nretries = {retries}\n')


def test_webhook_receives_start_success_failure_and_rollback(project, receiver):
    configure(project, receiver.url)
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    assert project.run("rollback").code == 0
    project.sql("2", "broken", "CREATE TABLE u (id INTEGER);\nSELECT * FROM no_such_table;", "DROP TABLE u;")
    assert project.run("apply").code == 1
    bodies = wait_until(lambda: receiver.bodies if len(receiver.bodies) >= 6 else None, "six webhook calls")
    seen = [(b["event"], b["command"], b["versions"]) for b in bodies]
    assert seen == [
        ("start", "apply", ["1"]), ("success", "apply", ["1"]),
        ("start", "rollback", ["1"]), ("rollback", "rollback", ["1"]),
        ("start", "apply", ["1", "2"]), ("failure", "apply", ["1", "2"]),
    ]
    failure = bodies[-1]
    assert "no_such_table" in failure["error"]
    assert failure["database"] == project.run("status", "--format", "json").json["database"]
    assert all(b["error"] is None for b in bodies[:-1])


def test_webhook_is_retried_after_a_server_error(sqlite_project):
    project = sqlite_project
    receiver = Receiver(fail_first=2)
    try:
        configure(project, receiver.url)
        project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
        result = project.run("apply")
        assert result.code == 0
        assert [b["event"] for b in receiver.bodies] == ["start", "success"], "each delivered once, after retries"
        assert "warning: webhook" not in result.out
    finally:
        receiver.close()


def test_a_hanging_webhook_never_holds_up_the_migration(sqlite_project):
    project = sqlite_project
    release = threading.Event()
    receiver = Receiver(hang=release)
    try:
        configure(project, receiver.url, timeout="0.3s", retries=0)
        project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
        result = project.run("apply")
        assert result.code == 0, result.err
        assert "t" in project.tables()
        assert "warning: webhook http://127.0.0.1:" in result.out and "did not get 'start'" in result.out
        assert "secret-token" not in result.out + result.err, "the webhook's token is never printed"
    finally:
        release.set()
        receiver.close()
