def test_apply_then_status_reports_applied(project):
    project.sql("1", "create_t", "CREATE TABLE t (id INTEGER PRIMARY KEY);", "DROP TABLE t;")
    result = project.run("apply")
    assert result.code == 0, result.err
    status = project.run("status", "--format", "json").json
    assert [m["state"] for m in status["migrations"]] == ["applied"]
    assert "t" in project.tables()
