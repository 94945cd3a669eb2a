-- Accounts and operators, mirroring sql/sqlite/006_accounts.sql (the why is there).
-- Re-runnable on MariaDB and MySQL 8 alike: each ALTER runs only while its first column is
-- missing (ADD COLUMN IF NOT EXISTS is MariaDB-only), and one ALTER is applied whole or not at all.
SET @chat_ddl = IF((SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'users' AND column_name = 'suspended_at') = 0,
  'ALTER TABLE users ADD COLUMN suspended_at BIGINT NULL, ADD COLUMN last_login_at BIGINT NULL, ADD COLUMN deleted_at BIGINT NULL',
  'DO 0');
PREPARE chat_stmt FROM @chat_ddl;
EXECUTE chat_stmt;
DEALLOCATE PREPARE chat_stmt;

SET @chat_ddl = IF((SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 'tokens' AND column_name = 'client') = 0,
  'ALTER TABLE tokens ADD COLUMN client VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
     ADD COLUMN address VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
     ADD COLUMN node VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
     ADD COLUMN live_conn VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
     ADD COLUMN last_used_at BIGINT NULL,
     ADD KEY tokens_node (node)',
  'DO 0');
PREPARE chat_stmt FROM @chat_ddl;
EXECUTE chat_stmt;
DEALLOCATE PREPARE chat_stmt;

UPDATE tokens SET last_used_at = created_at WHERE last_used_at IS NULL;

CREATE TABLE IF NOT EXISTS reserved_names (
  name_key VARBINARY(1024) NOT NULL PRIMARY KEY,
  until    BIGINT          NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS admin_actions (
  id        BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at        BIGINT       NOT NULL,
  actor     VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  action    VARCHAR(32)  CHARACTER SET ascii NOT NULL,
  target_id BIGINT       NULL,
  target    VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  detail    TEXT         CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
