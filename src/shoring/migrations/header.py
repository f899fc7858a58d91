"""The seed's migration header (`-- Key: value` lines) as metadata, with typos caught by name and line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from shoring.errors import MigrationFileError

#: Canonical header keys, in the order `shoring new` writes them, with what each is for.
KEYS: dict[str, str] = {
    "Migration": "a title",
    "Date": "when it was written",
    "Author": "who wrote it",
    "Issue": "the ticket it belongs to",
    "Purpose": "why the change is made",
    "Breaking-Changes": "what code that uses the old schema will notice",
    "Rollback": "how to undo it and what cannot be undone",
    "Estimated-Time": "how long it runs on production volume",
    "Transaction": "true (default) or false for statements that cannot run in a transaction",
    "Depends": "versions that must be applied first",
    "Idempotent": "true when up may safely run twice (rehearsal proves it)",
    "Lossy-Rollback": "tables whose data down cannot bring back (* for all); rehearsal skips their data check",
    "Phase": "expand, backfill or contract, for zero-downtime changes",
}

#: Other spellings (the seed's own prose headings) mapped to the canonical key.
ALIASES = {
    "breaking-changes": "Breaking-Changes",
    "breaking-change": "Breaking-Changes",
    "estimated-execution-time": "Estimated-Time",
    "estimated-time": "Estimated-Time",
    "depends-on": "Depends",
    "transactional": "Transaction",
}
_CANON = {k.lower(): k for k in KEYS} | ALIASES

_HEADER_LINE = re.compile(r"^\s*(?:--|#)?\s*([A-Za-z][A-Za-z _-]{0,40}?)\s*:\s*(.*?)\s*$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class Metadata:
    values: dict[str, str] = field(default_factory=dict)  # canonical key -> text
    lines: dict[str, int] = field(default_factory=dict)  # canonical key -> line in the file
    transaction: bool | None = None  # None: not said (the runner's default, true)
    depends: tuple[str, ...] = ()
    idempotent: bool | None = None

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {k.lower().replace("-", "_"): v for k, v in self.values.items()}
        out["transaction"] = self.transaction if self.transaction is not None else True
        out["depends"] = list(self.depends)
        return out


def canonical_key(raw: str) -> str | None:
    return _CANON.get(re.sub(r"[\s_]+", "-", raw.strip()).lower())


def parse_bool(value: str, key: str, path, line: int) -> bool:
    word = value.split()[0].lower() if value.split() else ""
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise MigrationFileError(f"{key} must be true or false, not {value!r}", path=path, line=line)


def parse_header(lines: list[tuple[int, str]], path, *, comment_prefix: bool = True) -> Metadata:
    """Read `Key: value` lines; unknown keys that look like a known one are typos, others are kept as-is.

    `lines` are (line number, text) pairs from the part of the file before the up section.
    """
    values: dict[str, str] = {}
    where: dict[str, int] = {}
    last_key = None
    for number, text in lines:
        stripped = text.strip()
        if comment_prefix:
            if not stripped.startswith("--"):
                last_key = None
                continue
            body = stripped[2:].strip()
        else:
            body = stripped
        if not body:
            last_key = None
            continue
        m = _HEADER_LINE.match(body)
        if m and (len(m.group(1).split()) > 3 or body.lower().startswith(("http:", "https:"))):
            m = None  # prose with a colon in it, not a header
        continuation = (stripped[2:4] == "  ") if comment_prefix else text[:1] in (" ", "\t")
        if m and not (continuation and last_key and canonical_key(m.group(1)) is None):
            raw_key, value = m.group(1), m.group(2)
            key = canonical_key(raw_key)
            if key is None:
                close = difflib.get_close_matches(
                    re.sub(r"[\s_]+", "-", raw_key.strip()).lower(), list(_CANON), n=1, cutoff=0.75
                )
                if close:
                    raise MigrationFileError(
                        f"unknown header {raw_key.strip()!r} (did you mean {_CANON[close[0]]!r}?)", path=path, line=number
                    )
                key = raw_key.strip()  # a header of the user's own, kept as metadata
            if key in values:
                raise MigrationFileError(f"header {key!r} given twice (first on line {where[key]})", path=path, line=number)
            values[key] = value
            where[key] = number
            last_key = key
        elif last_key is not None and continuation:
            values[last_key] = (values[last_key] + " " + body).strip()  # continuation line
        else:
            last_key = None
    transaction = None
    if "Transaction" in values:
        transaction = parse_bool(values["Transaction"], "Transaction", path, where["Transaction"])
    idempotent = None
    if "Idempotent" in values:
        idempotent = parse_bool(values["Idempotent"], "Idempotent", path, where["Idempotent"])
    depends: tuple[str, ...] = ()
    if values.get("Depends"):
        tokens = [t for t in re.split(r"[\s,]+", re.sub(r"\(.*?\)", "", values["Depends"])) if t]
        bad = [t for t in tokens if not re.fullmatch(r"\d+", t.split("_", 1)[0])]
        if bad:
            raise MigrationFileError(f"Depends must list migration versions, not {bad[0]!r}", path=path, line=where["Depends"])
        depends = tuple(t.split("_", 1)[0] for t in tokens)
    return Metadata(values=values, lines=where, transaction=transaction, depends=depends, idempotent=idempotent)
