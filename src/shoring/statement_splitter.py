"""Split SQL text into statements without breaking strings, comments, dollar quotes or routine bodies.

PostgreSQL text goes through PostgreSQL's own scanner (pglast), so dollar quotes, E'' strings and
nested comments are read exactly as the server reads them. SQLite's own ``complete_statement``
decides where a statement ends (trigger bodies contain semicolons). MySQL/MariaDB has no embeddable
scanner, so a small lexer handles its quoting rules, the mysql client's ``DELIMITER`` command and
BEGIN ... END bodies of routines and triggers.

A bottom module: the migration reader and the run_sql operation both split statements, so the splitter
belongs to neither package. Which splitter an engine uses is a fact of its description.
"""

from __future__ import annotations

import bisect
import importlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Callable

from shoring.engines.description import POSTGRESQL, describe


class SplitError(Exception):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Fragment:
    sql: str
    start: int  # offset of the first character of sql in the text given
    end: int
    leading: str  # comments and blank lines between the previous statement and this one


class LineIndex:
    """Offset -> (line, column), both 1-based."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


def split_sql(text: str, dialect: str) -> list[Fragment]:
    """The statements of `text` as the engine called `dialect` reads them; ValueError for an unknown engine."""
    return _splitter(dialect)(text)


@cache
def _splitter(dialect: str) -> Callable[[str], list[Fragment]]:
    module, _, function = describe(dialect).statement_splitter.partition(":")
    return getattr(importlib.import_module(module), function)


def _fragment(text: str, prev_end: int, start: int, end: int) -> Fragment:
    return Fragment(sql=text[start:end], start=start, end=end, leading=text[prev_end:start])


# --- PostgreSQL ---------------------------------------------------------------------------------

_PG_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}


def split_postgresql(text: str) -> list[Fragment]:
    from pglast import parser

    try:
        tokens = parser.scan(text)
    except parser.ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        raise SplitError(str(exc.args[0]), offset) from None
    out: list[Fragment] = []
    prev_end = 0
    first = last = None  # first and last significant token of the current statement
    names: list[str] = []  # leading keywords, to recognise CREATE FUNCTION ... BEGIN ATOMIC
    depth = 0
    for tok in tokens:
        if tok.name in _PG_COMMENTS:
            continue
        if tok.name == "IDENT":
            _check_pg_identifier(text[tok.start : tok.end + 1], tok.start)
        if tok.name == "ASCII_59" and depth == 0:
            if first is not None:
                out.append(_fragment(text, prev_end, first.start, last.end + 1))
            prev_end = tok.end + 1
            first = last = None
            names = []
            continue
        if first is None:
            first = tok
        last = tok
        if len(names) < 4:
            names.append(tok.name)
        if _is_routine(names):
            if tok.name == "BEGIN_P":
                depth += 1
            elif tok.name == "CASE" and depth:
                depth += 1
            elif tok.name == "END_P" and depth:
                depth -= 1
    if first is not None:
        out.append(_fragment(text, prev_end, first.start, last.end + 1))
    return out


#: PostgreSQL keeps NAMEDATALEN - 1 bytes of a name and cuts the rest with only a NOTICE.
PG_NAME_BYTES, _ = POSTGRESQL.identifier_limit


def _check_pg_identifier(raw: str, offset: int) -> None:
    """Refuse a name PostgreSQL would silently cut: the statement would create or use another name."""
    name = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()
    size = len(name.encode())
    if size > PG_NAME_BYTES:
        raise SplitError(f"name {name[:24]!r}... is {size} bytes long; PostgreSQL keeps at most {PG_NAME_BYTES} "
                         "bytes and would silently cut the rest: choose a shorter name", offset)


def _is_routine(names: list[str]) -> bool:
    if not names or names[0] != "CREATE":
        return False
    rest = names[1:]
    if rest[:2] == ["OR", "REPLACE"]:
        rest = rest[2:]
    return bool(rest) and rest[0] in ("FUNCTION", "PROCEDURE")


# --- a small lexer for SQLite and MySQL ------------------------------------------------------------

@dataclass(frozen=True)
class _Lexer:
    """How one engine's SQL is cut into tokens."""

    pattern: re.Pattern[str]
    brackets: bool  # [name] quotes an identifier (SQLite, which judges a lone '[' itself); elsewhere '[' is refused
    executable_comments: bool  # /*! ... */ is SQL the server runs (MySQL), so it belongs to the statement


_SQLITE = _Lexer(
    pattern=re.compile(
        r"""(?P<ws>\s+)
        |(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))
        |(?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
        |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
        |(?P<other>.)""",
        re.S | re.X,
    ),
    brackets=True,
    executable_comments=False,
)
_MYSQL = _Lexer(
    pattern=re.compile(
        r"""(?P<ws>\s+)
        |(?P<comment>--(?=[ \t\r\n]|\Z)[^\n]*|\#[^\n]*|/\*(?!!).*?\*/)
        |(?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|`(?:[^`]|``)*`)
        |(?P<word>[A-Za-z_0-9$][A-Za-z0-9_$]*)
        |(?P<other>.)""",
        re.S | re.X,
    ),
    brackets=False,
    executable_comments=True,
)
_QUOTES = {"'": "quoted string", '"': "quoted identifier", "`": "quoted identifier", "[": "quoted identifier"}


def _lex(text: str, lexer: _Lexer, pos: int = 0):
    """Yield (kind, start, end) for every token from pos; the caller may stop and restart anywhere."""
    pattern = lexer.pattern
    n = len(text)
    while pos < n:
        m = pattern.match(text, pos)
        kind = m.lastgroup
        start, pos = m.start(), m.end()
        if kind == "other":
            ch = text[start]
            if ch in _QUOTES and (ch != "[" or not lexer.brackets):
                raise SplitError(f"unterminated {_QUOTES[ch]}", start)
            if ch == "/" and text.startswith("/*", start):
                if lexer.executable_comments and text.startswith("/*!", start):
                    # executable comment: the server runs it, so it belongs to the statement
                    close = text.find("*/", start)
                    if close < 0:
                        raise SplitError("unterminated comment", start)
                    pos = close + 2
                    kind = "word"
                else:
                    raise SplitError("unterminated comment", start)
        yield kind, start, pos


def split_sqlite(text: str) -> list[Fragment]:
    import sqlite3

    if "\x00" in text:  # complete_statement() raises on it, and SQLite would end the statement there
        raise SplitError("a NUL character in SQL text", text.index("\x00"))
    out: list[Fragment] = []
    prev_end = 0
    first = last_end = None
    for kind, start, end in _lex(text, _SQLITE):
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and text[start] == ";":
            if first is None:
                prev_end = end
                continue
            if sqlite3.complete_statement(text[first:end]):
                out.append(_fragment(text, prev_end, first, last_end))
                prev_end = end
                first = last_end = None
                continue
        if first is None:
            first = start
        last_end = end
    if first is not None:
        out.append(_fragment(text, prev_end, first, last_end))
    return out


_DELIMITER = re.compile(r"DELIMITER[ \t]+(\S+)[ \t]*(?:\r?\n|\Z)", re.I)
_MYSQL_ROUTINES = {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"}
_MYSQL_BLOCK_STARTERS = {";", "BEGIN", "THEN", "ELSE", "DO", ":", "LOOP", "REPEAT"}
_MYSQL_BLOCK_WORDS = {"IF", "LOOP", "WHILE", "REPEAT"}


def split_mysql(text: str) -> list[Fragment]:
    out: list[Fragment] = []
    delimiter = ";"
    prev_end = 0
    pos = 0
    n = len(text)
    while pos < n:
        # start of a statement: skip blanks and comments, then look for the client's DELIMITER command
        first = None
        for kind, start, end in _lex(text, _MYSQL, pos):
            if kind in ("ws", "comment"):
                pos = end
                continue
            first = start
            break
        if first is None:
            break
        m = _DELIMITER.match(text, first)
        if m:
            delimiter = m.group(1)
            pos = prev_end = m.end()
            continue
        stop, resume = _mysql_statement_end(text, first, delimiter)
        sql_end = stop
        while sql_end > first and text[sql_end - 1].isspace():
            sql_end -= 1
        # trailing comments before the delimiter are not part of the statement text
        last = _trim_trailing_comments(text, first, sql_end)
        if last > first:  # a bare delimiter (`;;`) is no statement: the server would say "Query was empty"
            out.append(_fragment(text, prev_end, first, last))
        pos = prev_end = resume
    return out


def _trim_trailing_comments(text: str, first: int, end: int) -> int:
    last = first
    for kind, start, stop in _lex(text[:end], _MYSQL, first):
        if kind not in ("ws", "comment"):
            last = stop
    return last


def _mysql_statement_end(text: str, first: int, delimiter: str) -> tuple[int, int]:
    """(end of statement text, where the next statement starts)."""
    words: list[str] = []
    routine = None  # decided after the first few words
    depth = 0
    prev = ";"
    after_end = False
    for kind, start, end in _lex(text, _MYSQL, first):
        if kind in ("ws", "comment", "string"):
            if kind == "string":
                prev = "string"
            continue
        if delimiter != ";" or depth == 0:
            # the delimiter may start at this token or hide inside a word (END$$)
            hit = start if text.startswith(delimiter, start) else text.find(delimiter, start, end) if kind == "word" else -1
            if hit >= 0:
                return hit, hit + len(delimiter)
        word = text[start:end].upper() if kind == "word" else text[start:end]
        if routine is None and kind == "word":
            words.append(word)
            routine = _is_mysql_compound(words)
            if routine and words[0] == "BEGIN":  # BEGIN NOT ATOMIC: the block opened two words ago
                depth, prev = 1, word
                continue
        if routine and delimiter == ";" and kind == "word":
            if after_end:
                after_end = False
                if word in _MYSQL_BLOCK_WORDS or word == "CASE":
                    prev = word
                    continue
            if word == "BEGIN" or word == "CASE" or (word in _MYSQL_BLOCK_WORDS and prev in _MYSQL_BLOCK_STARTERS):
                depth += 1
            elif word == "END" and depth:
                depth -= 1
                after_end = True
        prev = word
    return len(text), len(text)


_MYSQL_OBJECTS = {
    "TABLE", "VIEW", "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "DATABASE", "SCHEMA", "TEMPORARY",
    "SEQUENCE", "USER", "ROLE", "SERVER", "TABLESPACE", "ALGORITHM", "SQL", "LOGFILE",
}


def _is_mysql_compound(words: list[str]) -> bool | None:
    """True for routines, triggers, events and anonymous blocks; None while undecided."""
    if words[0] == "BEGIN":
        return True if len(words) < 2 or words[1] == "NOT" else None
    if words[0] != "CREATE":
        return False
    last = words[-1]
    if last in _MYSQL_ROUTINES:
        return True
    if last in _MYSQL_OBJECTS or len(words) > 8:
        return False
    return None
