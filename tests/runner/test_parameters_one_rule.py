"""One placeholder rule on every engine (issue 15): with parameters, %s is a parameter and %% a literal %;
without parameters the SQL goes as written. It used to be %% on PostgreSQL/MySQL and % on SQLite."""

from __future__ import annotations

CODE = '''"""Purpose: parameters"""


def up(ctx):
    ctx.execute("CREATE TABLE t (id integer PRIMARY KEY, name varchar(20))")
    ctx.execute("INSERT INTO t (id, name) VALUES (%s, %s), (%s, %s)", [1, "a1", 2, "b%"])
    likes = ctx.query("SELECT COUNT(*) FROM t WHERE name = 'b%%' AND id > %s", [0])[0][0]
    percent = ctx.query("SELECT COUNT(*) FROM t WHERE name = %s", ["b%"])[0][0]
    plain = ctx.query("SELECT COUNT(*) FROM t WHERE name LIKE 'b%'")[0][0]
    ctx.execute("INSERT INTO t (id, name) VALUES (%s, %s)", [10 + likes * 100 + percent * 10 + plain, "counts"])


def down(ctx):
    ctx.execute("DROP TABLE t")
'''

LONE = '''"""Purpose: a lone percent"""


def up(ctx):
    ctx.query("SELECT COUNT(*) FROM t WHERE name LIKE 'a%' AND id > %s", [0])


def down(ctx):
    pass
'''


def test_percent_means_the_same_on_every_engine(project):
    project.write("1_params.py", CODE)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert project.query("SELECT id FROM t WHERE name = 'counts'") == [(121,)]  # 'b%%' is b%, a parameter 'b%' too, and 'b%' as written


def test_a_lone_percent_with_parameters_fails_on_every_engine(project):
    project.write("1_params.py", CODE)
    project.write("2_lone.py", LONE)
    result = project.run("apply")
    assert result.code == 1
    assert "2 lone" in result.err
