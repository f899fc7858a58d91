"""An operation only some engines have says which capability of the engine description it needs: it
compiles where the description has it and is refused, with its advice, everywhere else (issue 17)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from shoring.engines import ENGINES, Description
from shoring.operations.dialects import DIALECTS, Unsupported
from shoring.operations.docs import operation_modules

FLAGS = {f.name for f in fields(Description) if f.type in ("bool", bool)}
EXAMPLES = [op for module in operation_modules() for op in module.EXAMPLES]


def test_engine_only_operations_name_a_capability_flag_of_the_description():
    needs = {type(op).__name__: op.needs for op in EXAMPLES if op.needs}
    assert needs == {"OnlineAlter": "shadow_copy_alter", "Repack": "pg_repack",
                     "PartitionTable": "declarative_partitioning", "ContractPartitionTable": "declarative_partitioning"}
    assert set(needs.values()) <= FLAGS


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_an_operation_compiles_exactly_where_the_engine_has_what_it_needs(engine):
    d = DIALECTS[engine]
    for op in (op for op in EXAMPLES if op.needs):
        if getattr(ENGINES[engine], op.needs):
            assert op.up(d)
        else:
            with pytest.raises(Unsupported) as refused:
                op.up(d)
            assert str(refused.value) == op.unsupported
