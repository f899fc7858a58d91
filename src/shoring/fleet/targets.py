"""targets.toml: the databases of a fleet, which one goes first, and how many go at once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from shoring.config import parse_duration
from shoring.config_schema import validate
from shoring.errors import ConfigError

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["targets"],
    "properties": {
        "parallelism": {"type": "integer", "minimum": 1, "description": "targets migrated at once in each wave after the canary"},
        "canary": {"type": "string", "description": "the target migrated first, alone (default: the first listed)"},
        "replica_timeout": {"type": ["string", "number"], "minimum": 0,
                            "description": "how long to wait for a target's replicas to catch up before the next wave"},
        "targets": {
            "type": "array", "minItems": 1, "description": "the fleet's databases",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "database"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "description": "the target's name in reports"},
                    "database": {"type": "string", "minLength": 1, "description": "the target's database URL (${VAR} expanded)"},
                    "replicas": {"type": "array", "items": {"type": "string"},
                                 "description": "URLs of its replicas, waited for between waves"},
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Target:
    name: str
    database: str
    replicas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fleet:
    path: Path
    targets: tuple[Target, ...]
    canary: str
    parallelism: int = 4
    replica_timeout: float = 300.0
    by_name: dict[str, Target] = field(default_factory=dict, compare=False)

    def waves(self, parallelism: int | None = None) -> list[list[Target]]:
        """The canary alone, then the others in list order, `parallelism` at a time."""
        size = parallelism or self.parallelism
        rest = [t for t in self.targets if t.name != self.canary]
        return [[self.by_name[self.canary]]] + [rest[i:i + size] for i in range(0, len(rest), size)]


def load_fleet(path: Path | str) -> Fleet:
    from shoring.config import _expand as expand_env  # ${VAR}, as in shoring.toml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the targets file: {exc.strerror}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not valid TOML: {str(exc).split(' (at line')[0]}", path=path, line=line) from None
    validate(data, path, text, schema=SCHEMA)
    targets = tuple(Target(t["name"], expand_env(t["database"], path), tuple(expand_env(r, path) for r in t.get("replicas", [])))
                    for t in data["targets"])
    names = [t.name for t in targets]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"two targets are named {duplicate!r}", path=path)
    canary = data.get("canary", names[0])
    if canary not in names:
        raise ConfigError(f"canary {canary!r} is not one of the targets ({', '.join(names)})", path=path)
    timeout = parse_duration(data.get("replica_timeout", 300), "replica_timeout", path)
    return Fleet(path=path, targets=targets, canary=canary, parallelism=data.get("parallelism", 4),
                 replica_timeout=300.0 if timeout is None else timeout, by_name={t.name: t for t in targets})
