"""ALTER TABLE forms run on a real MariaDB to check plan's online DDL facts (ALGORITHM and LOCK).

Each case starts from SCHEMA, freshly created (MySQL-family DDL cannot be rolled back). A case is
(id, statements before it in the same session, the statement whose algorithm and lock are checked).
"""

SCHEMA = """
CREATE TABLE parent (id BIGINT PRIMARY KEY, code VARCHAR(10) NOT NULL) ENGINE=InnoDB;
INSERT INTO parent VALUES (1, 'a'), (2, 'b'), (3, 'c');
CREATE TABLE t (
    id BIGINT PRIMARY KEY,
    name VARCHAR(10) NOT NULL,
    title VARCHAR(60),
    email VARCHAR(100) NOT NULL,
    note TEXT,
    n INT,
    amount DECIMAL(10,2),
    status ENUM('new', 'done'),
    parent_id BIGINT,
    other_id BIGINT,
    created DATETIME DEFAULT CURRENT_TIMESTAMP,
    KEY t_n_idx (n),
    CONSTRAINT t_other_fk FOREIGN KEY (other_id) REFERENCES parent (id),
    CONSTRAINT t_amount_pos CHECK (amount >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO t (id, name, title, email, note, n, amount, status, parent_id, other_id)
VALUES (1, 'a', 'x', 'a@x.org', 'n', 1, 1.5, 'new', 1, 1), (2, 'b', 'y', 'b@x.org', 'n', 2, 2.5, 'done', 2, 2),
       (3, 'c', 'z', 'c@x.org', 'n', 3, 3.5, 'new', 3, 3);
CREATE TABLE nopk (id BIGINT NOT NULL, label VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO nopk VALUES (1, 'a'), (2, 'b');
"""

CASES: list[tuple[str, str, str]] = [
    ("add-column", "", "ALTER TABLE t ADD COLUMN c1 INT"),
    ("add-column-default", "", "ALTER TABLE t ADD COLUMN c2 INT DEFAULT 0"),
    ("add-column-first", "", "ALTER TABLE t ADD COLUMN c3 INT FIRST"),
    ("add-column-after", "", "ALTER TABLE t ADD COLUMN c4 INT AFTER name"),
    ("add-column-auto-increment", "", "ALTER TABLE nopk ADD COLUMN seq BIGINT AUTO_INCREMENT UNIQUE KEY"),
    ("add-column-stored", "", "ALTER TABLE t ADD COLUMN c5 INT AS (n * 2) STORED"),
    ("add-column-virtual", "", "ALTER TABLE t ADD COLUMN c6 INT AS (n * 2) VIRTUAL"),
    ("add-column-unique", "", "ALTER TABLE t ADD COLUMN c7 INT UNIQUE"),
    ("drop-column", "", "ALTER TABLE t DROP COLUMN note"),
    ("rename-column", "", "ALTER TABLE t RENAME COLUMN title TO heading"),
    ("change-name-only", "", "ALTER TABLE t CHANGE title heading VARCHAR(60)"),
    ("varchar-grow", "", "ALTER TABLE t MODIFY title VARCHAR(63)"),
    ("varchar-grow-past-255-bytes", "", "ALTER TABLE t MODIFY title VARCHAR(70)"),
    ("varchar-shrink", "", "ALTER TABLE t MODIFY title VARCHAR(20)"),
    ("int-to-bigint", "", "ALTER TABLE t MODIFY n BIGINT"),
    ("enum-append", "", "ALTER TABLE t MODIFY status ENUM('new', 'done', 'archived')"),
    ("enum-reorder", "", "ALTER TABLE t MODIFY status ENUM('done', 'new')"),
    ("set-not-null", "", "ALTER TABLE t MODIFY title VARCHAR(60) NOT NULL"),
    ("drop-not-null", "", "ALTER TABLE t MODIFY email VARCHAR(100) NULL"),
    ("set-default", "", "ALTER TABLE t ALTER COLUMN n SET DEFAULT 5"),
    ("drop-default", "", "ALTER TABLE t ALTER COLUMN created DROP DEFAULT"),
    ("add-index", "", "ALTER TABLE t ADD INDEX t_email_idx (email)"),
    ("create-index", "", "CREATE INDEX t_email_idx ON t (email)"),
    ("add-unique-index", "", "ALTER TABLE t ADD UNIQUE INDEX t_email_uidx (email)"),
    ("add-fulltext-index", "", "ALTER TABLE t ADD FULLTEXT INDEX t_note_ft (note)"),
    ("drop-index", "", "ALTER TABLE t DROP INDEX t_n_idx"),
    ("rename-index", "", "ALTER TABLE t RENAME INDEX t_n_idx TO t_n_index"),
    ("add-foreign-key", "", "ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)"),
    ("add-foreign-key-unchecked", "SET foreign_key_checks = 0",
     "ALTER TABLE t ADD CONSTRAINT t_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id)"),
    ("drop-foreign-key", "", "ALTER TABLE t DROP FOREIGN KEY t_other_fk"),
    ("add-check", "", "ALTER TABLE t ADD CONSTRAINT t_n_pos CHECK (n >= 0)"),
    ("drop-check", "", "ALTER TABLE t DROP CONSTRAINT t_amount_pos"),
    ("add-primary-key", "", "ALTER TABLE nopk ADD PRIMARY KEY (id)"),
    ("drop-primary-key", "", "ALTER TABLE t DROP PRIMARY KEY"),
    ("force", "", "ALTER TABLE t FORCE"),
    ("engine", "", "ALTER TABLE t ENGINE=InnoDB"),
    ("convert-charset", "", "ALTER TABLE t CONVERT TO CHARACTER SET latin1"),
    ("column-comment", "", "ALTER TABLE t MODIFY n INT COMMENT 'a number'"),
    ("table-comment", "", "ALTER TABLE t COMMENT 'people and their notes'"),
    ("table-comment-equals", "", "ALTER TABLE t COMMENT = 'people'"),
    ("auto-increment", "", "ALTER TABLE t AUTO_INCREMENT = 1000"),
    ("stats-persistent", "", "ALTER TABLE t STATS_PERSISTENT = 1"),
    ("stats-auto-recalc", "", "ALTER TABLE t STATS_AUTO_RECALC = 0"),
    ("stats-sample-pages", "", "ALTER TABLE t STATS_SAMPLE_PAGES = 50"),
    ("default-charset", "", "ALTER TABLE t DEFAULT CHARSET = latin1"),
    ("default-collate", "", "ALTER TABLE t COLLATE utf8mb4_bin"),
    ("row-format", "", "ALTER TABLE t ROW_FORMAT = REDUNDANT"),
    ("key-block-size", "", "ALTER TABLE t KEY_BLOCK_SIZE = 8"),
    # MariaDB is not MySQL (checked on MariaDB 10.11; each was planned wrong before)
    ("varchar-grow-two-length-bytes", "", "ALTER TABLE t MODIFY email VARCHAR(256) NOT NULL"),
    ("varchar-grow-one-length-byte", "", "ALTER TABLE t MODIFY name VARCHAR(63) NOT NULL"),
    ("enum-append-set-not-null", "", "ALTER TABLE t MODIFY status ENUM('new', 'done', 'archived') NOT NULL"),
    ("replace-primary-key", "", "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, name)"),
    ("add-column-now-expression-default", "", "ALTER TABLE t ADD COLUMN c8 DATETIME(6) DEFAULT (now())"),
    ("add-column-curdate-expression-default", "", "ALTER TABLE t ADD COLUMN c9 INT DEFAULT (curdate() + 0)"),
    ("add-column-rand-expression-default", "", "ALTER TABLE t ADD COLUMN c10 DOUBLE DEFAULT (rand())"),
    ("add-column-uuid-expression-default", "", "ALTER TABLE t ADD COLUMN c11 CHAR(36) DEFAULT (uuid())"),
    ("add-column-utc-timestamp-expression-default", "", "ALTER TABLE t ADD COLUMN c12 DATETIME DEFAULT (utc_timestamp())"),
    ("add-column-column-expression-default", "", "ALTER TABLE t ADD COLUMN c13 INT DEFAULT (n + 1)"),
    ("add-column-inet6", "", "ALTER TABLE t ADD COLUMN ip INET6"),
    ("add-column-persistent", "", "ALTER TABLE t ADD COLUMN c14 INT AS (n * 2) PERSISTENT"),
    ("alter-index-ignored", "", "ALTER TABLE t ALTER INDEX t_n_idx IGNORED"),
    ("alter-index-not-ignored", "ALTER TABLE t ALTER INDEX t_n_idx IGNORED", "ALTER TABLE t ALTER INDEX t_n_idx NOT IGNORED"),
    ("add-index-ignored", "", "ALTER TABLE t ADD INDEX t_email_idx (email) IGNORED"),
    ("wait-add-column", "", "ALTER TABLE t WAIT 5 ADD COLUMN c15 INT"),
    ("nowait-drop-column", "", "ALTER TABLE t NOWAIT DROP COLUMN note"),
    ("add-system-versioning", "", "ALTER TABLE t ADD SYSTEM VERSIONING"),
]
