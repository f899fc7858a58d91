"""Statement forms run on a real PostgreSQL server to check plan's lock, rewrite and transaction facts.

The schema below is created once; every case then runs inside its own transaction, which is rolled
back, so cases never see each other's changes.
"""

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE parent (id bigint PRIMARY KEY, code varchar(10) NOT NULL);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 100) g;
CREATE TABLE t (
    id bigint PRIMARY KEY,
    name varchar(10),
    email text NOT NULL,
    note text,
    amount numeric(10,2),
    n int,
    parent_id bigint,
    other_parent_id bigint,
    flag boolean,
    created timestamptz DEFAULT now(),
    ts0 timestamp(0),
    ts3 timestamp(3),
    ts timestamp,
    tstz timestamptz,
    CONSTRAINT t_note_nn CHECK (note IS NOT NULL)
);
INSERT INTO t SELECT g, 'n' || g, 'e' || g || '@x.org', 'note', g, g % 10, g, g, true FROM generate_series(1, 100) g;
ALTER TABLE t ADD CONSTRAINT t_amount_pos CHECK (amount > 0) NOT VALID;
ALTER TABLE t ADD CONSTRAINT t_other_fk FOREIGN KEY (other_parent_id) REFERENCES parent (id) NOT VALID;
CREATE INDEX t_n_idx ON t (n);
CREATE UNIQUE INDEX t_id_n_uidx ON t (id, n);
CREATE TABLE nopk (id bigint, label text);
INSERT INTO nopk SELECT g, 'l' || g FROM generate_series(1, 50) g;
CREATE TABLE child (id bigint PRIMARY KEY, t_id bigint REFERENCES t (id));
INSERT INTO child SELECT g, g FROM generate_series(1, 20) g;
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2023-06-01' + g, 'x' FROM generate_series(1, 300) g;
CREATE TABLE events_2026 (id bigint, at date NOT NULL, payload text);
CREATE VIEW t_view AS SELECT id, email FROM t;
CREATE MATERIALIZED VIEW t_mat AS SELECT other_parent_id, count(*) AS c FROM t GROUP BY other_parent_id;
CREATE UNIQUE INDEX t_mat_key ON t_mat (other_parent_id);
CREATE FUNCTION t_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_touch();
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE SEQUENCE s;
ANALYZE;
"""

#: (id, statement). Each runs alone in a transaction that is rolled back.
CASES: list[tuple[str, str]] = [
    # ALTER TABLE: columns
    ("add-column", "ALTER TABLE t ADD COLUMN c1 int"),
    ("add-column-constant-default", "ALTER TABLE t ADD COLUMN c2 int DEFAULT 0"),
    ("add-column-now-default", "ALTER TABLE t ADD COLUMN c3 timestamptz DEFAULT now()"),
    ("add-column-volatile-default", "ALTER TABLE t ADD COLUMN c4 float8 DEFAULT random()"),
    ("add-column-uuid-default", "ALTER TABLE t ADD COLUMN c5 uuid DEFAULT gen_random_uuid()"),
    ("add-column-generated-stored", "ALTER TABLE t ADD COLUMN c6 int GENERATED ALWAYS AS (n * 2) STORED"),
    ("add-column-serial", "ALTER TABLE t ADD COLUMN c7 serial"),
    ("add-column-identity", "ALTER TABLE t ADD COLUMN c8 bigint GENERATED ALWAYS AS IDENTITY"),
    ("add-column-unique", "ALTER TABLE t ADD COLUMN c9 int UNIQUE"),
    ("add-column-references", "ALTER TABLE t ADD COLUMN c10 bigint REFERENCES parent (id)"),
    ("add-column-check", "ALTER TABLE t ADD COLUMN c11 int CHECK (c11 > 0)"),
    ("add-column-not-null-default", "ALTER TABLE t ADD COLUMN c12 int NOT NULL DEFAULT 1"),
    ("drop-column", "ALTER TABLE t DROP COLUMN flag"),
    ("rename-column", "ALTER TABLE t RENAME COLUMN name TO full_name"),
    # ALTER TABLE: types (the live schema decides)
    ("type-varchar-grow", "ALTER TABLE t ALTER COLUMN name TYPE varchar(20)"),
    ("type-varchar-to-text", "ALTER TABLE t ALTER COLUMN name TYPE text"),
    ("type-varchar-shrink", "ALTER TABLE t ALTER COLUMN name TYPE varchar(5)"),
    ("type-int-to-bigint", "ALTER TABLE t ALTER COLUMN n TYPE bigint"),
    ("type-numeric-precision-grow", "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12,2)"),
    ("type-numeric-scale-change", "ALTER TABLE t ALTER COLUMN amount TYPE numeric(12,4)"),
    ("type-with-using", "ALTER TABLE t ALTER COLUMN amount TYPE int USING amount::int"),
    ("type-text-to-varchar", "ALTER TABLE t ALTER COLUMN note TYPE varchar"),
    ("type-varchar-to-citext", "ALTER TABLE t ALTER COLUMN name TYPE citext"),
    ("type-text-to-citext", "ALTER TABLE nopk ALTER COLUMN label TYPE citext"),
    ("type-timestamp-0-to-3", "ALTER TABLE t ALTER COLUMN ts0 TYPE timestamp(3)"),
    ("type-timestamp-3-to-6", "ALTER TABLE t ALTER COLUMN ts3 TYPE timestamp(6)"),
    ("type-timestamp-3-to-unlimited", "ALTER TABLE t ALTER COLUMN ts3 TYPE timestamp"),
    ("type-timestamp-shrink", "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(0)"),
    ("type-timestamp-to-timestamptz", "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz"),
    ("type-timestamp-to-timestamptz-utc", "SET timezone = 'UTC'; ALTER TABLE t ALTER COLUMN ts TYPE timestamptz"),
    ("type-timestamptz-to-timestamp-utc", "SET TIME ZONE 'UTC'; ALTER TABLE t ALTER COLUMN tstz TYPE timestamp"),
    ("type-timestamptz-to-timestamp", "ALTER TABLE t ALTER COLUMN tstz TYPE timestamp"),
    ("type-foreign-key-column", "ALTER TABLE child ALTER COLUMN t_id TYPE int"),
    # ALTER TABLE: nullability and defaults
    ("set-not-null-proven-by-check", "ALTER TABLE t ALTER COLUMN note SET NOT NULL"),
    ("set-not-null-scans", "ALTER TABLE t ALTER COLUMN name SET NOT NULL"),
    ("drop-not-null", "ALTER TABLE t ALTER COLUMN email DROP NOT NULL"),
    ("set-default", "ALTER TABLE t ALTER COLUMN n SET DEFAULT 7"),
    ("drop-default", "ALTER TABLE t ALTER COLUMN created DROP DEFAULT"),
    ("add-identity", "ALTER TABLE nopk ALTER COLUMN id SET NOT NULL, ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY"),
    # ALTER TABLE: constraints
    ("add-check", "ALTER TABLE t ADD CONSTRAINT t_n_small CHECK (n < 100)"),
    ("add-check-not-valid", "ALTER TABLE t ADD CONSTRAINT t_n_small CHECK (n < 100) NOT VALID"),
    ("validate-check", "ALTER TABLE t VALIDATE CONSTRAINT t_amount_pos"),
    ("add-foreign-key", "ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)"),
    ("add-foreign-key-not-valid",
     "ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID"),
    ("validate-foreign-key", "ALTER TABLE t VALIDATE CONSTRAINT t_other_fk"),
    ("add-unique", "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE (email)"),
    ("add-unique-using-index", "ALTER TABLE t ADD CONSTRAINT t_id_n_key UNIQUE USING INDEX t_id_n_uidx"),
    ("add-primary-key", "ALTER TABLE nopk ADD PRIMARY KEY (id)"),
    ("add-exclusion", "ALTER TABLE t ADD CONSTRAINT t_id_excl EXCLUDE USING btree (id WITH =)"),
    ("drop-check", "ALTER TABLE t DROP CONSTRAINT t_amount_pos"),
    ("drop-foreign-key", "ALTER TABLE t DROP CONSTRAINT t_other_fk"),
    ("rename-constraint", "ALTER TABLE t RENAME CONSTRAINT t_amount_pos TO t_amount_positive"),
    # ALTER TABLE: table-level
    ("rename-table", "ALTER TABLE nopk RENAME TO nopk2"),
    ("set-statistics", "ALTER TABLE t ALTER COLUMN n SET STATISTICS 500"),
    ("set-column-options", "ALTER TABLE t ALTER COLUMN n SET (n_distinct = 10)"),
    ("set-storage", "ALTER TABLE t ALTER COLUMN note SET STORAGE EXTERNAL"),
    ("set-fillfactor", "ALTER TABLE t SET (fillfactor = 70)"),
    ("set-autovacuum", "ALTER TABLE t SET (autovacuum_enabled = false)"),
    ("reset-fillfactor", "ALTER TABLE t RESET (fillfactor)"),
    ("cluster-on", "ALTER TABLE t CLUSTER ON t_n_idx"),
    ("set-without-cluster", "ALTER TABLE t SET WITHOUT CLUSTER"),
    ("replica-identity", "ALTER TABLE t REPLICA IDENTITY FULL"),
    ("enable-rls", "ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
    ("owner", "ALTER TABLE t OWNER TO CURRENT_USER"),
    ("set-unlogged", "ALTER TABLE nopk SET UNLOGGED"),
    ("disable-trigger", "ALTER TABLE t DISABLE TRIGGER t_trg"),
    ("enable-trigger", "ALTER TABLE t ENABLE TRIGGER t_trg"),
    ("two-subcommands", "ALTER TABLE t ADD COLUMN c13 int, ALTER COLUMN n SET STATISTICS 100"),
    # indexes
    ("create-index", "CREATE INDEX t_email_idx ON t (email)"),
    ("create-unique-index", "CREATE UNIQUE INDEX t_email_uidx ON t (email)"),
    ("create-partial-index", "CREATE INDEX t_flag_idx ON t (flag) WHERE flag = false"),
    ("create-expression-index", "CREATE INDEX t_lower_name_idx ON t (lower(name))"),
    ("create-index-on-partitioned", "CREATE INDEX events_at_idx ON events (at)"),
    ("drop-index", "DROP INDEX t_n_idx"),
    ("rename-index", "ALTER INDEX t_n_idx RENAME TO t_n_index"),
    ("reindex-index", "REINDEX INDEX t_n_idx"),
    ("reindex-table", "REINDEX TABLE t"),
    ("create-index-concurrently", "CREATE INDEX CONCURRENTLY t_email_idx ON t (email)"),
    ("drop-index-concurrently", "DROP INDEX CONCURRENTLY t_n_idx"),
    ("reindex-concurrently", "REINDEX INDEX CONCURRENTLY t_n_idx"),
    # DML
    ("update-all", "UPDATE t SET n = n + 1"),
    ("update-where", "UPDATE t SET note = 'x' WHERE id < 10"),
    ("update-batched", "UPDATE t SET note = 'y' WHERE id IN (SELECT id FROM t WHERE note = 'note' LIMIT 10)"),
    ("delete-where", "DELETE FROM t WHERE id > 90"),
    ("insert-values", "INSERT INTO nopk VALUES (1000, 'new')"),
    ("insert-select", "INSERT INTO nopk SELECT id, name FROM t"),
    ("select", "SELECT count(*) FROM t"),
    ("select-for-update", "SELECT * FROM t WHERE id = 1 FOR UPDATE"),
    ("select-for-share-of", "SELECT t.id FROM t JOIN parent p ON p.id = t.parent_id WHERE t.id = 1 FOR SHARE OF t"),
    ("select-for-key-share-of-alias", "SELECT x.id FROM t x JOIN parent ON true WHERE x.id = 2 FOR KEY SHARE OF x"),
    ("insert-referencing", "INSERT INTO child VALUES (1000, 5)"),
    ("update-referencing-key", "UPDATE child SET t_id = 3 WHERE id = 1"),
    ("update-scalar-subquery", "UPDATE t SET note = (SELECT code FROM parent WHERE id = 1) WHERE id = 1"),
    ("update-from", "UPDATE t SET note = p.code FROM parent p WHERE p.id = t.parent_id AND t.id = 1"),
    ("delete-using-subquery", "DELETE FROM t WHERE id IN (SELECT id FROM parent WHERE id > 95)"),
    ("select-view", "SELECT count(*) FROM t_view"),
    ("update-referenced-key", "UPDATE t SET id = id + 1000 WHERE id = 50"),
    ("truncate", "TRUNCATE nopk"),
    ("lock-share", "LOCK TABLE t IN SHARE MODE"),
    # partitions
    ("attach-partition", "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    ("detach-partition", "ALTER TABLE events DETACH PARTITION events_2023"),
    ("detach-partition-concurrently", "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY"),
    ("create-partition", "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
    ("add-column-partitioned", "ALTER TABLE events ADD COLUMN source text"),
    ("drop-column-partitioned", "ALTER TABLE events DROP COLUMN payload"),
    ("set-not-null-partitioned", "ALTER TABLE events ALTER COLUMN id SET NOT NULL"),
    ("add-check-partitioned", "ALTER TABLE events ADD CONSTRAINT events_id_pos CHECK (id > 0)"),
    ("update-partitioned", "UPDATE events SET payload = 'y'"),
    ("select-partitioned", "SELECT count(*) FROM events"),
    ("select-for-update-partitioned", "SELECT * FROM events WHERE id = 1 FOR NO KEY UPDATE"),
    # triggers
    ("create-trigger", "CREATE TRIGGER t_trg2 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION t_touch()"),
    ("drop-trigger", "DROP TRIGGER t_trg ON t"),
    ("rename-trigger", "ALTER TRIGGER t_trg ON t RENAME TO t_trg_renamed"),
    # views
    ("create-view", "CREATE VIEW t_view2 AS SELECT id, email FROM t"),
    ("replace-view", "CREATE OR REPLACE VIEW t_view AS SELECT id, email, n FROM t"),
    ("create-view-union", "CREATE VIEW t_view3 AS SELECT id FROM t UNION SELECT id FROM parent WHERE id IN (SELECT t_id FROM child)"),
    ("create-view-cte", "CREATE VIEW t_view4 AS WITH recent AS (SELECT id FROM t) SELECT id FROM recent"),
    ("create-view-on-view", "CREATE VIEW t_view5 AS SELECT id FROM t_view"),
    ("drop-view", "DROP VIEW t_view"),
    ("create-materialized-view", "CREATE MATERIALIZED VIEW t_mat2 AS SELECT id FROM t"),
    ("refresh-materialized-view", "REFRESH MATERIALIZED VIEW t_mat"),
    ("refresh-materialized-view-concurrently", "REFRESH MATERIALIZED VIEW CONCURRENTLY t_mat"),
    # tables and others
    ("create-table", "CREATE TABLE fresh (id bigint PRIMARY KEY, label text)"),
    ("create-table-references", "CREATE TABLE fresh (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id))"),
    ("create-table-as", "CREATE TABLE fresh AS SELECT id, email FROM t"),
    ("create-table-as-view", "CREATE TABLE fresh AS SELECT id FROM t_view"),
    ("create-table-as-cte", "CREATE TABLE fresh AS WITH x AS (SELECT id FROM parent) SELECT id FROM x"),
    ("drop-table", "DROP TABLE nopk"),
    ("drop-table-referencing", "DROP TABLE child"),
    ("cluster", "CLUSTER t USING t_pkey"),
    ("add-enum-value", "ALTER TYPE mood ADD VALUE 'happy'"),
    ("vacuum", "VACUUM t"),
    ("vacuum-full", "VACUUM FULL t"),
    ("vacuum-full-false", "VACUUM (FULL FALSE) t"),
    ("vacuum-full-true", "VACUUM (FULL TRUE, ANALYZE) t"),
    ("reindex-concurrently-false", "REINDEX (CONCURRENTLY false) INDEX t_n_idx"),
    ("reindex-concurrently-true", "REINDEX (CONCURRENTLY) TABLE t"),
]
