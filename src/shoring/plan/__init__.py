"""`shoring plan`: what the pending migrations will do to the real database, before they run.

Operations and their lock/rewrite facts come from `shoring.analysis`; this package adds what the
live database knows (schema, sizes, speed) and what the seed's plan asks for: per statement the
locks, rewrites, blocked reads/writes and for how long, backward compatibility, data loss and an
estimate; per migration the risk with reasons, transaction, rollback, dependencies, deploy order,
lint findings and the pre-migration checklist.

    from shoring.plan import PlanOptions, build_plan
    plan = build_plan(migrations, PlanOptions(engine="postgresql"), live=open_live(engine))
    plan.to_dict()  # the `shoring plan --format json` contract
"""

from __future__ import annotations

from typing import Any

__all__ = ["PlanOptions", "build_plan", "open_live", "plan_sql"]


def __getattr__(name: str) -> Any:
    if name in ("PlanOptions", "build_plan"):
        from shoring.plan import builder

        return getattr(builder, name)
    if name == "open_live":
        from shoring.plan.live import open_live

        return open_live
    if name == "plan_sql":
        from shoring.plan.adhoc import plan_sql

        return plan_sql
    raise AttributeError(name)
