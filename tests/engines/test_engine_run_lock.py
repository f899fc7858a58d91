"""The migration run lock: one holder per database and name, refused or waited for by every other
session, released only by its holder or with its holder's session, the same on every engine."""

from __future__ import annotations

import time

from conftest import new_database

from .engine_suite import Background

LOCK = "shoring_migrations"


def test_lock_and_release_twice_in_a_row(engine, open_engine):
    other = open_engine()
    for _ in range(2):
        assert engine.run_lock_try(LOCK)
        assert not other.run_lock_try(LOCK)
        engine.run_lock_release(LOCK)
        assert other.run_lock_try(LOCK)
        other.run_lock_release(LOCK)


def test_taking_the_lock_one_holds_succeeds_and_one_release_frees_it(engine, open_engine):
    """A holder asking again is told yes (it holds it), and its one release lets the next run in: a
    lock counted per take would stay held after the release, until the session ended."""
    other = open_engine()
    assert engine.run_lock_try(LOCK)
    assert engine.run_lock_try(LOCK)
    assert engine.run_lock_wait(LOCK, 1)
    engine.run_lock_release(LOCK)
    assert other.run_lock_try(LOCK)


def test_a_second_session_is_refused_and_told_who_holds_it(engine, open_engine):
    other = open_engine()
    assert other.run_lock_holder(LOCK) is None
    assert engine.run_lock_try(LOCK)
    assert not other.run_lock_try(LOCK)
    started = time.monotonic()
    assert not other.run_lock_wait(LOCK, 0.2)
    assert time.monotonic() - started >= 0.2  # it waited before giving up
    holder = other.run_lock_holder(LOCK)
    if not engine.description.opens_a_file:
        assert holder is not None and holder.session == engine.session_id()
    else:
        assert holder is None  # the engine has no server to ask who holds a lock
    engine.run_lock_release(LOCK)
    assert other.run_lock_holder(LOCK) is None


def test_a_waiting_session_gets_the_lock_once_it_is_released(engine, open_engine):
    other = open_engine()
    assert engine.run_lock_try(LOCK)
    waiting = Background(lambda: other.run_lock_wait(LOCK, 20))
    assert waiting.running  # it cannot have the lock yet
    engine.run_lock_release(LOCK)
    assert waiting.result() is True
    assert not engine.run_lock_try(LOCK)


def test_only_the_holder_releases_it(engine, open_engine):
    other = open_engine()
    assert engine.run_lock_try(LOCK)
    other.run_lock_release(LOCK)  # harmless: it holds nothing
    assert not other.run_lock_try(LOCK)
    engine.run_lock_release(LOCK)
    engine.run_lock_release(LOCK)  # releasing a lock one no longer holds is harmless too
    assert other.run_lock_try(LOCK)


def test_the_lock_dies_with_its_session(engine, open_engine):
    other = open_engine()
    assert engine.run_lock_try(LOCK)
    engine.close()
    assert other.run_lock_wait(LOCK, 20)  # the server ends the session a moment after the client leaves


def test_the_lock_is_per_database(engine_name, engine, open_engine, tmp_path):
    url, drop = new_database(engine_name, tmp_path)
    try:
        elsewhere = open_engine(url)
        assert engine.run_lock_try(LOCK)
        assert elsewhere.run_lock_try(LOCK)
        elsewhere.run_lock_release(LOCK)
        elsewhere.close()
    finally:
        drop()
