"""Creating and dropping a database: a name on a server, a file for SQLite (the URL's database either
way), refused when it exists, dropped even while a session is in it, dropped twice harmlessly."""

from __future__ import annotations

import os
import uuid

import pytest

from shoring.engines.url import parse_url
from shoring.engines import StatementError, connect

from .engine_suite import ITEMS


def test_create_and_drop_a_database(engine, db_url):
    url = parse_url(db_url)
    # beside the test database: on a server a name, for SQLite a path; quotes and a space in it
    new = f"{url.database}_engines_{uuid.uuid4().hex[:6]} it's \"q\""
    target = url.with_database(new)
    engine.create_database(new)
    try:
        with pytest.raises(StatementError):
            engine.create_database(new)  # there already
        inside = connect(target)
        inside.execute(ITEMS)
        assert inside.table_exists("items")
        engine.drop_database(new)  # while a session is in it
        inside.close()
        engine.drop_database(new)  # gone already: harmless
        engine.create_database(new)  # refused, were anything left of it
        with connect(target) as again:
            assert not again.table_exists("items")
    finally:
        engine.drop_database(new)
    if engine.description.opens_a_file:  # a file database leaves no file, journal or lock file behind
        assert not [f for f in os.listdir(os.path.dirname(new)) if f.startswith(os.path.basename(new))]
