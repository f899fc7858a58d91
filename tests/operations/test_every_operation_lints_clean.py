"""shoring's own operations lint and plan clean as what they are: a project using every operation's
EXAMPLES (expand and contract apart, with the header a careful user writes) applies, and lint exits 0."""

from __future__ import annotations

from every_operation import write_project


def test_a_project_of_every_operation_applies_and_lints_clean(project):
    write_project(project.migrations, project.engine)
    applied = project.run("apply")
    assert applied.code == 0, applied.out + applied.err
    result = project.run("lint", "--format", "json")
    errors = [f for f in result.json["findings"] if f["severity"] == "error"]
    assert errors == []
    assert result.code == 0
    text = project.run("lint")
    assert text.code == 0, text.out


def test_a_contract_reports_nothing_it_handles_itself(project):
    """No missing-down, drop-column or rename-column at a contract: the data lives on in the new column."""
    write_project(project.migrations, project.engine)
    findings = project.run("lint", "--format", "json").json["findings"]
    at_contracts = [f for f in findings if "contract" in f["file"].rsplit("/", 1)[-1]]
    assert [f["rule"] for f in at_contracts if f["rule"] in ("missing-down", "drop-column", "rename-column")] == []
    compiled = [f for f in findings if f["rule"] in ("non-idempotent-statement", "multiple-alters-same-table")]
    assert compiled == []


def test_plan_rates_a_contract_as_the_step_it_is(project):
    """Not "high: breaks running code in any deploy order" nor "destroys data": the code to deploy first."""
    write_project(project.migrations, project.engine)
    result = project.run("plan", "--format", "json")
    assert result.code == 0, result.err
    contracts = [m for m in result.json["migrations"] if m["name"].startswith("contract")]
    assert len(contracts) == (3 if project.engine == "postgresql" else 2)  # ContractPartitionTable: PostgreSQL's
    for m in contracts:
        reasons = " | ".join(r["text"] for r in m["risk_reasons"])
        assert m["risk"] != "high", reasons
        assert "deploy order" not in reasons and "destroys data" not in reasons
        assert m["phase"] == "contract"
        assert len(m["deploy"]["before"]) == 1 and "(no safe order)" not in m["deploy"]["before"][0]
