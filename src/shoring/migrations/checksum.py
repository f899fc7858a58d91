"""Checksums of normalised migration text: line endings and trailing whitespace never count as edits."""

from __future__ import annotations

import hashlib


def normalise(text: str) -> str:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def checksum(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def statements_checksum(sqls: list[str]) -> str:
    """Fingerprint of the statements that already ran, so a resume can tell whether they were edited."""
    h = hashlib.sha256()
    for sql in sqls:
        h.update(normalise(sql).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()
