"""Text normalisation shared by the introspection modules.

Engines hand back definitions in their own canonical spelling, except where they keep the user's
text (SQLite keeps every CREATE statement as written, MySQL keeps a few defaults as written): there,
whitespace, letter case outside quotes and redundant parentheses must not make two equal schemas differ.
"""

from __future__ import annotations

import re

_TOKENS = re.compile(
    r"""(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\])
    |(?P<space>\s+)
    |(?P<comment>--[^\n]*|/\*.*?\*/)
    |(?P<other>.)""",
    re.S | re.X,
)


def squash(sql: str | None, *, lower: bool = True) -> str | None:
    """Drop comments and all whitespace not needed between two words; lowercase unquoted text.

    ``CREATE  INDEX i ON t(a)`` and ``create index i on t ( a )`` come out the same.
    """
    if sql is None:
        return None
    out: list[str] = []
    pending_space = False
    for m in _TOKENS.finditer(sql.strip()):
        kind, text = m.lastgroup, m.group()
        if kind in ("space", "comment"):
            pending_space = True
            continue
        if out and _needs_space(out[-1][-1], text[0], pending_space):
            out.append(" ")
        pending_space = False
        if kind == "other" and lower:
            text = text.lower()
        if kind == "quoted" and lower:
            text = _unquote_plain(text)
        out.append(text)
    return "".join(out).rstrip(";").strip()


def _wordish(ch: str) -> bool:
    return ch.isalnum() or ch in "_$'\"`]["


def _needs_space(before: str, after: str, had_space: bool) -> bool:
    """One canonical spacing: between words, after commas and closing parentheses; nowhere else."""
    if before == ",":
        return True
    if before == ")" and _wordish(after):
        return True
    return had_space and _wordish(before) and _wordish(after)


def _unquote_plain(quoted: str) -> str:
    """``"users"`` -> ``users`` when quoting changes nothing (plain lowercase identifier)."""
    inner = quoted[1:-1]
    return inner if re.fullmatch(r"[a-z_][a-z0-9_]*", inner) else quoted


def strip_outer_parens(text: str) -> str:
    """``((a > 0))`` -> ``a > 0``, but ``(a) + (b)`` stays."""
    while text.startswith("(") and text.endswith(")") and _matching_close(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _matching_close(text: str, start: int) -> int:
    depth = 0
    quote = None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def default_expression(text: str | None) -> str | None:
    """A column default as text that compares equal however it was written."""
    if text is None:
        return None
    text = squash(text) or ""
    text = strip_outer_parens(text)
    if text in ("null", ""):
        return None
    # CURRENT_TIMESTAMP, current_timestamp() and now() are written many ways for the same thing
    return re.sub(r"\b(current_timestamp|current_date|current_time|localtimestamp|localtime)\(\)", r"\1", text)


_MYSQL_INT_WIDTH = re.compile(r"\b(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)")


def mysql_type(column_type: str) -> str:
    """MySQL 8 dropped integer display widths that MariaDB still prints; they never mattered."""
    text = column_type.strip().lower()
    if text.startswith("tinyint(1)"):
        return text  # the conventional boolean keeps its width on both
    return _MYSQL_INT_WIDTH.sub(r"\1", text)


def sqlite_type(declared: str | None) -> str:
    return squash(declared or "") or ""


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on sep outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quote = None
    current: list[str] = []
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts
