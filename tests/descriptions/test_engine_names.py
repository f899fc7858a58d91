"""Engine differences live in the engine descriptions (shoring/engines/): nowhere else compares engine names.

The test reads every module of src/shoring as a syntax tree and finds each comparison against an engine
name ("postgresql", "mysql", "mariadb", "sqlite", ...), each membership test in a literal collection of
them and each lookup by one (`table["mysql"]`, `.get("mysql")`, `case "mysql":`). A place that behaves
differently on one engine reads a fact or a capability flag of its description instead
(shoring.engines.description).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import shoring
from shoring.engines import ENGINES, describe, engine_class

SRC = Path(shoring.__file__).parent
NAMES = {"postgresql", "postgres", "pg", "mysql", "mariadb", "sqlite"}
#: where engine names belong: the descriptions and the engines they describe
DESCRIPTIONS = ("engines/",)

#: Comparisons not yet turned into reads of a description, per module (issue 17). A ratchet that reached
#: zero: no module outside shoring/engines/ may gain one.
NOT_YET_READ_FROM_DESCRIPTIONS: dict[str, int] = {}


#: Comparisons with an engine name that are no engine difference, by module and the variable compared, and why.
SPELLED_ON_PURPOSE = {
    ("cli/lint.py", "scheme"): "the URL scheme the user typed: mariadb:// means MariaDB's default version, and only "
                               "a plain mysql:// URL makes lint ask the server whether it is MySQL or MariaDB",
}


def _is_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in NAMES


def _names_in(node: ast.AST) -> bool:
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_name(e) for e in node.elts)
    return _is_name(node)


def _compares(node: ast.Compare) -> set[str]:
    """The variables a comparison reads (`scheme == "mysql"` reads scheme)."""
    return {x.id for x in (node.left, *node.comparators) if isinstance(x, ast.Name)}


def engine_name_uses(tree: ast.AST, allowed: frozenset[str] = frozenset()) -> list[int]:
    """Line numbers of comparisons and lookups against an engine-name literal (not of a variable in `allowed`)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            hit = any(_names_in(x) for x in (node.left, *node.comparators)) and not (_compares(node) & allowed)
        elif isinstance(node, ast.Subscript):
            hit = _is_name(node.slice)
        elif isinstance(node, ast.Call):
            hit = (isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop", "setdefault")
                   and bool(node.args) and _is_name(node.args[0]))
        elif isinstance(node, ast.MatchValue):
            hit = _is_name(node.value)
        else:
            hit = False
        if hit:
            lines.append(node.lineno)
    return lines


def _uses_by_module() -> dict[str, list[int]]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module.startswith(DESCRIPTIONS):
            continue
        allowed = frozenset(name for (m, name) in SPELLED_ON_PURPOSE if m == module)
        lines = engine_name_uses(ast.parse(path.read_text(), str(path)), allowed)
        if lines:
            out[module] = lines
    return out


def test_engine_names_are_compared_only_in_the_engine_descriptions():
    found = _uses_by_module()
    grown = {m: lines for m, lines in found.items() if len(lines) > NOT_YET_READ_FROM_DESCRIPTIONS.get(m, 0)}
    assert not grown, ("engine names compared outside shoring/engines/ (read a fact or capability flag of "
                       f"shoring.engines.description instead): {grown}")
    shrunk = {m: (n, len(found.get(m, ()))) for m, n in NOT_YET_READ_FROM_DESCRIPTIONS.items()
              if len(found.get(m, ())) < n}
    assert not shrunk, f"fewer engine-name comparisons than listed (lower NOT_YET_READ_FROM_DESCRIPTIONS): {shrunk}"


def test_each_name_spelled_on_purpose_is_still_compared():
    """An allowance the code no longer needs goes, so it cannot hide a new comparison later."""
    for module, name in SPELLED_ON_PURPOSE:
        tree = ast.parse((SRC / module).read_text())
        assert len(engine_name_uses(tree)) > len(engine_name_uses(tree, frozenset({name}))), (module, name)


def test_the_check_sees_each_kind_of_comparison():
    source = """
if engine == "postgresql": pass
if d.name != "mysql": pass
if name in ("sqlite", "x"): pass
x = table["mariadb"]
y = table.get("mysql")
match engine:
    case "sqlite": pass
ok = {"postgresql": 1}[engine] if engine == other else describe(engine).transactional_ddl
"""
    assert engine_name_uses(ast.parse(source)) == [2, 3, 4, 5, 6, 8]


def test_the_descriptions_import_nothing_else_from_shoring():
    tree = ast.parse((SRC / "engines" / "description.py").read_text())
    imported = [n.module if isinstance(n, ast.ImportFrom) else a.name
                for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in (n.names if isinstance(n, ast.Import) else [n])]
    assert not [m for m in imported if m and m.startswith("shoring")]


def test_each_engine_class_carries_its_own_description():
    for name, description in ENGINES.items():
        cls = engine_class(name)
        assert cls.name == cls.dialect == name
        assert cls.description is cls.traits is describe(name) is description


def test_one_quoting_function_per_engine_doubles_its_quote_character():
    assert describe("postgresql").quote('a"b') == '"a""b"'
    assert describe("mysql").quote("a`b") == "`a``b`"
    assert describe("sqlite").quote("x.y") == '"x.y"'


def test_each_engine_is_the_first_flavour_it_covers():
    """A server version that names no other flavour is the engine itself (MariaDB is MySQL's other one)."""
    for name, description in ENGINES.items():
        assert description.flavours[0].name == name
        assert description.flavour("unknown") is description.flavours[0]
    assert [f.name for f in describe("mysql").flavours] == ["mysql", "mariadb"]
