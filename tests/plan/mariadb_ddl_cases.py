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
CREATE TABLE lat (id BIGINT PRIMARY KEY, code VARCHAR(200), short VARCHAR(50), label VARCHAR(20) CHARACTER SET utf8mb4,
                  bin VARBINARY(100)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
INSERT INTO lat VALUES (1, 'a', 'b', 'c', 'd');
CREATE TABLE u3 (id BIGINT PRIMARY KEY, code VARCHAR(80)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
INSERT INTO u3 VALUES (1, 'a');
CREATE TABLE ft (id BIGINT PRIMARY KEY, body TEXT, title VARCHAR(100), n INT, FULLTEXT KEY ft_body (body))
    ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO ft VALUES (1, 'some words', 't', 1);
CREATE TABLE vc (id BIGINT PRIMARY KEY, a INT, b INT AS (a * 2) VIRTUAL, name VARCHAR(30), KEY vc_b_idx (b))
    ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO vc (id, a, name) VALUES (1, 1, 'x');
CREATE TABLE child (id BIGINT PRIMARY KEY, parent_id BIGINT, n INT,
                    CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE) ENGINE=InnoDB;
INSERT INTO child VALUES (1, 1, 1);
"""

#: Every table SCHEMA (or a case) creates, dropped before each case.
TABLES = ("t", "nopk", "nopk2", "lat", "u3", "ft", "vc", "child", "parent")

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
    # more forms, toward every form a migration writes
    ("add-column-json", "", "ALTER TABLE t ADD COLUMN j JSON"),
    ("add-column-text", "", "ALTER TABLE t ADD COLUMN body TEXT"),
    ("add-column-blob", "", "ALTER TABLE t ADD COLUMN data BLOB"),
    ("add-column-current-timestamp-6", "", "ALTER TABLE t ADD COLUMN seen DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)"),
    ("add-column-not-null-default", "", "ALTER TABLE t ADD COLUMN c16 INT NOT NULL DEFAULT 0"),
    ("add-column-not-null", "", "ALTER TABLE t ADD COLUMN c17 INT NOT NULL"),
    ("add-column-latin1", "", "ALTER TABLE t ADD COLUMN c18 VARCHAR(20) CHARACTER SET latin1"),
    ("add-column-enum-default", "", "ALTER TABLE t ADD COLUMN c19 ENUM('a', 'b') DEFAULT 'a'"),
    ("add-column-if-not-exists", "", "ALTER TABLE t ADD COLUMN IF NOT EXISTS c20 INT"),
    ("add-two-columns", "", "ALTER TABLE t ADD COLUMN c21 INT, ADD COLUMN c22 INT"),
    ("add-column-and-drop-column", "", "ALTER TABLE t ADD COLUMN c23 INT AFTER id, DROP COLUMN note"),
    ("drop-column-if-exists", "", "ALTER TABLE t DROP COLUMN IF EXISTS note"),
    ("drop-two-columns", "", "ALTER TABLE t DROP COLUMN note, DROP COLUMN title"),
    ("modify-set-not-null-int", "", "ALTER TABLE t MODIFY n INT NOT NULL"),
    ("modify-set-default", "", "ALTER TABLE t MODIFY n INT DEFAULT 3"),
    ("modify-decimal-grow", "", "ALTER TABLE t MODIFY amount DECIMAL(12,2)"),
    ("modify-text-to-mediumtext", "", "ALTER TABLE t MODIFY note MEDIUMTEXT"),
    ("change-int-to-bigint", "", "ALTER TABLE t CHANGE n n BIGINT"),
    ("modify-move-after", "", "ALTER TABLE t MODIFY title VARCHAR(60) AFTER id"),
    ("modify-move-first", "", "ALTER TABLE t MODIFY title VARCHAR(60) FIRST"),
    ("set-default-string", "", "ALTER TABLE t ALTER COLUMN title SET DEFAULT 'x'"),
    ("drop-default-none", "", "ALTER TABLE t ALTER COLUMN title DROP DEFAULT"),
    ("enum-same-members-new-default", "", "ALTER TABLE t MODIFY status ENUM('new', 'done') DEFAULT 'new'"),
    ("enum-append-two", "", "ALTER TABLE t MODIFY status ENUM('new', 'done', 'archived', 'gone')"),
    ("enum-to-set", "", "ALTER TABLE t MODIFY status SET('new', 'done')"),
    ("add-index-two-columns", "", "ALTER TABLE t ADD INDEX t_multi_idx (n, amount)"),
    ("add-index-prefix", "", "ALTER TABLE t ADD INDEX t_note_prefix_idx (note(20))"),
    ("add-index-descending", "", "ALTER TABLE t ADD INDEX t_n_desc_idx (n DESC)"),
    ("add-key", "", "ALTER TABLE t ADD KEY t_amount_idx (amount)"),
    ("add-unique-key", "", "ALTER TABLE t ADD UNIQUE KEY t_email_ukey (email)"),
    ("create-unique-index", "", "CREATE UNIQUE INDEX t_email_uidx2 ON t (email)"),
    ("add-unique-constraint", "", "ALTER TABLE t ADD CONSTRAINT t_email_unique UNIQUE (email)"),
    ("drop-key", "", "ALTER TABLE t DROP KEY t_n_idx"),
    ("replace-index", "", "ALTER TABLE t DROP INDEX t_n_idx, ADD INDEX t_n_idx2 (n, amount)"),
    ("add-foreign-key-unnamed", "", "ALTER TABLE t ADD FOREIGN KEY (parent_id) REFERENCES parent (id)"),
    ("add-primary-key-and-column", "", "ALTER TABLE nopk ADD PRIMARY KEY (id), ADD COLUMN x INT"),
    ("rename-column-and-index", "", "ALTER TABLE t RENAME COLUMN note TO notes, RENAME INDEX t_n_idx TO t_n_i"),
    ("ignore-index-and-add-column", "", "ALTER TABLE t ALTER INDEX t_n_idx IGNORED, ADD COLUMN c24 INT"),
    ("alter-online-add-column", "", "ALTER ONLINE TABLE t ADD COLUMN c25 INT"),
    ("rename-table", "", "ALTER TABLE nopk RENAME TO nopk2"),
    # latin1 and utf8mb3 tables: VARCHAR's length prefix counts bytes of the column's own character set
    ("latin1-varchar-grow-within-255-bytes", "", "ALTER TABLE lat MODIFY code VARCHAR(250)"),
    ("latin1-varchar-grow-past-255-bytes", "", "ALTER TABLE lat MODIFY code VARCHAR(300)"),
    ("latin1-varchar-grow-to-255", "", "ALTER TABLE lat MODIFY short VARCHAR(255)"),
    ("latin1-table-utf8mb4-column-grow", "", "ALTER TABLE lat MODIFY label VARCHAR(60) CHARACTER SET utf8mb4"),
    ("latin1-table-utf8mb4-column-past-255-bytes", "", "ALTER TABLE lat MODIFY label VARCHAR(70) CHARACTER SET utf8mb4"),
    ("latin1-column-to-utf8mb4", "", "ALTER TABLE lat MODIFY short VARCHAR(50) CHARACTER SET utf8mb4"),
    ("latin1-add-column", "", "ALTER TABLE lat ADD COLUMN extra VARCHAR(10)"),
    ("latin1-add-index", "", "ALTER TABLE lat ADD INDEX lat_code_idx (code)"),
    ("latin1-convert-to-utf8mb4", "", "ALTER TABLE lat CONVERT TO CHARACTER SET utf8mb4"),
    ("utf8mb3-varchar-grow-to-255-bytes", "", "ALTER TABLE u3 MODIFY code VARCHAR(85)"),
    ("utf8mb3-varchar-grow-past-255-bytes", "", "ALTER TABLE u3 MODIFY code VARCHAR(90)"),
    # a table that already has a FULLTEXT index
    ("fulltext-table-add-column", "", "ALTER TABLE ft ADD COLUMN extra INT"),
    ("fulltext-table-drop-column", "", "ALTER TABLE ft DROP COLUMN n"),
    ("fulltext-table-second-fulltext-index", "", "ALTER TABLE ft ADD FULLTEXT INDEX ft_title (title)"),
    ("fulltext-table-drop-fulltext-index", "", "ALTER TABLE ft DROP INDEX ft_body"),
    ("fulltext-table-add-index", "", "ALTER TABLE ft ADD INDEX ft_n_idx (n)"),
    ("fulltext-table-rename-column", "", "ALTER TABLE ft RENAME COLUMN n TO m"),
    ("fulltext-table-varchar-grow", "", "ALTER TABLE ft MODIFY title VARCHAR(110)"),
    # a table with an indexed virtual column
    ("virtual-table-add-column", "", "ALTER TABLE vc ADD COLUMN extra INT"),
    ("virtual-table-drop-indexed-virtual-column", "", "ALTER TABLE vc DROP COLUMN b"),
    ("virtual-table-drop-index-on-virtual-column", "", "ALTER TABLE vc DROP INDEX vc_b_idx"),
    ("virtual-table-add-index", "", "ALTER TABLE vc ADD INDEX vc_name_idx (name)"),
    ("virtual-table-rename-column", "", "ALTER TABLE vc RENAME COLUMN name TO label"),
    ("virtual-table-base-int-to-bigint", "", "ALTER TABLE vc MODIFY a BIGINT"),
    # a table whose foreign key has ON DELETE CASCADE
    ("child-drop-foreign-key", "", "ALTER TABLE child DROP FOREIGN KEY child_parent_fk"),
    ("child-add-column", "", "ALTER TABLE child ADD COLUMN extra INT"),
    ("child-add-index", "", "ALTER TABLE child ADD INDEX child_n_idx (n)"),
    ("child-rename-column", "", "ALTER TABLE child RENAME COLUMN n TO m"),
]
