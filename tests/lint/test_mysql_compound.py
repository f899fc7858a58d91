"""MariaDB anonymous blocks and routines are read as code, not reported as unreadable statements."""

from __future__ import annotations

from .conftest import lint_text

LOOP = """-- Purpose: backfill status in batches
-- Rollback: nothing to undo
-- Estimated-Time: < 1 minute
-- migrate:up
BEGIN NOT ATOMIC
  DECLARE n INT DEFAULT 1;
  WHILE n > 0 DO
    UPDATE users SET status = 'active' WHERE status IS NULL LIMIT 1000;
    SET n = ROW_COUNT();
  END WHILE;
END;
-- migrate:down
SELECT 1;
"""

PROCEDURE = """-- Purpose: a helper routine
-- Rollback: drop it
-- Estimated-Time: instant
-- migrate:up
DELIMITER //
CREATE PROCEDURE touch_users() BEGIN UPDATE users SET status = status WHERE id < 10; END //
DELIMITER ;
-- migrate:down
DROP PROCEDURE touch_users;
"""


def test_anonymous_block_and_procedure_are_not_parse_errors(tmp_path):
    for text in (LOOP, PROCEDURE):
        rules = [f.rule for f in lint_text(tmp_path, text, engine="mysql", server_version="10.11-mariadb")]
        assert "parse-error" not in rules, rules
