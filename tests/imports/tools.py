"""The real migration tools the import tests run, and each one's spelling of a test database's URL."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shoring.engines.url import parse_url


def require_tool(name: str) -> str:
    """The tool's path; skip without it, except under CI, where .ci/run installs it."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI must run every import test")
        pytest.skip(message)
    return path


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args[0]} failed: {done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def dbmate_url(url: str) -> str:
    u = parse_url(url)
    if u.engine == "sqlite":
        return f"sqlite:{u.database}"
    if u.engine == "postgresql":
        return f"postgres://{u.user}@{u.host}:{u.port}/{u.database}?sslmode=disable"
    return f"mysql://{u.user}@{u.host}:{u.port}/{u.database}"


def sqitch_target(url: str) -> str:
    u = parse_url(url)
    if u.engine == "sqlite":
        return f"db:sqlite:{u.database}"
    return f"db:{'pg' if u.engine == 'postgresql' else 'mysql'}://{u.user}@{u.host}:{u.port}/{u.database}"


def sqlalchemy_url(url: str) -> str:
    u = parse_url(url)
    if u.engine == "sqlite":
        return f"sqlite:///{u.database}"
    driver = "postgresql+psycopg" if u.engine == "postgresql" else "mysql+pymysql"
    return f"{driver}://{u.user}@{u.host}:{u.port}/{u.database}"
