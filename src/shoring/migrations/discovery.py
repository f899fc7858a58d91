"""Find the migrations of a project, order them by version and check their dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shoring.errors import MigrationFileError
from shoring.migrations.model import Migration, attach_undo, flyway_undo_version, parse_migration_file

IGNORED_SUFFIXES = {".md", ".txt", ".rst", ".pyc", ".toml", ".json", ".yaml", ".yml"}


@dataclass
class MigrationSet:
    directory: Path
    migrations: list[Migration]

    def __post_init__(self) -> None:
        self.by_version = {m.version: m for m in self.migrations}

    def __iter__(self):
        return iter(self.migrations)

    def __len__(self) -> int:
        return len(self.migrations)

    def get(self, version: str) -> Migration | None:
        return self.by_version.get(version)

    def validate(self, dialect: str, direction: str = "up", migrations: list[Migration] | None = None) -> None:
        """Split the sections a command is about to run, so a malformed one stops it before any database work."""
        for mig in self.migrations if migrations is None else migrations:
            mig.statements(direction, dialect)

    def resolve(self, version: str) -> str:
        """A version the user typed (a prefix of a file name is fine) -> a known version."""
        v = version.split("_", 1)[0]
        if v in self.by_version:
            return v
        raise MigrationFileError(f"no migration with version {version!r} in {self.directory}")


def version_key(version: str) -> tuple[tuple[int, ...], str]:
    """Numeric order: 9 < 10, and Flyway's dotted versions 1 < 1.1 < 1.2 < 2."""
    parts = version.split(".")
    if all(p.isdigit() for p in parts):
        return tuple(int(p) for p in parts), version
    return (0,), version


def same_version(version: str) -> object:
    """What two versions share when they are one version: their numbers (Flyway reads 01 as 1, 1.0 as 1)."""
    parts = version.split(".")
    if not all(p.isdigit() for p in parts):
        return version
    numbers = [int(p) for p in parts]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def load_migrations(directory: Path, *, must_exist: bool = False) -> MigrationSet:
    if not directory.is_dir():
        if must_exist:
            raise MigrationFileError("migrations folder not found (run `shoring init`)", path=directory)
        return MigrationSet(directory, [])
    found: list[Migration] = []
    undo: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith((".", "_")) or not path.is_file() or path.suffix in IGNORED_SUFFIXES:
            continue
        if path.suffix not in (".sql", ".py"):
            continue
        if flyway_undo_version(path) is not None:
            undo[flyway_undo_version(path)] = path
            continue
        found.append(parse_migration_file(path))
    found.sort(key=lambda m: version_key(m.version))
    seen: dict[str, Migration] = {}
    numbers: dict[object, Migration] = {}
    for mig in found:
        other = numbers.get(same_version(mig.version))
        if other is not None:
            raise MigrationFileError(f"duplicate version {mig.version} (also used by {other.path.name})", path=mig.path)
        numbers[same_version(mig.version)] = seen[mig.version] = mig
    for version, path in undo.items():
        if version not in seen:
            raise MigrationFileError(f"Flyway undo file for version {version}, which has no V{version}__ file", path=path)
        attach_undo(seen[version], path)
    for mig in found:
        line = mig.metadata.lines.get("Depends")
        for dep in mig.metadata.depends:
            if dep not in seen:
                raise MigrationFileError(f"Depends on {dep}, which is not a migration in {directory.name}/", path=mig.path, line=line)
            if version_key(dep) >= version_key(mig.version):
                raise MigrationFileError(
                    f"Depends on {dep}, which does not come before it; dependencies must have lower versions",
                    path=mig.path, line=line,
                )
    return MigrationSet(directory, found)
