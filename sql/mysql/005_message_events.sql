-- Edits, deletions and reactions as entries of the one sequence, exactly as
-- sql/sqlite/007_message_events.sql does (the why of each column is there).
-- Re-runnable, in syntax MySQL 8 shares (not MariaDB's ADD COLUMN IF NOT EXISTS): each table's
-- columns come in one ALTER, which InnoDB applies whole or not at all, run only while the first
-- of them is missing; the backfills touch only rows still at their defaults.
SET @sql := (SELECT IF(COUNT(*) = 0, 'ALTER TABLE messages
    ADD COLUMN kind       VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT ''message'',
    ADD COLUMN target_seq BIGINT NULL,
    ADD COLUMN reply_to   BIGINT NULL,
    ADD COLUMN edited_at  BIGINT NULL,
    ADD COLUMN deleted    TINYINT NOT NULL DEFAULT 0,
    ADD COLUMN msg_no     BIGINT NOT NULL DEFAULT 0', 'DO 0')
  FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'messages' AND column_name = 'kind');
PREPARE add_columns FROM @sql;
EXECUTE add_columns;
DEALLOCATE PREPARE add_columns;
UPDATE messages SET msg_no = seq WHERE msg_no = 0 AND kind = 'message';

SET @sql := (SELECT IF(COUNT(*) = 0, 'ALTER TABLE conversations ADD COLUMN msg_count BIGINT NOT NULL DEFAULT 0', 'DO 0')
  FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'conversations' AND column_name = 'msg_count');
PREPARE add_columns FROM @sql;
EXECUTE add_columns;
DEALLOCATE PREPARE add_columns;
UPDATE conversations SET msg_count = last_seq WHERE msg_count = 0;

-- The current reactions, folded from the reaction entries: one row per (message, user, emoji).
CREATE TABLE IF NOT EXISTS reactions (
  conversation_id BIGINT NOT NULL,
  seq             BIGINT NOT NULL,
  user_id         BIGINT NOT NULL,
  emoji           VARBINARY(32) NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id, emoji),
  CONSTRAINT reactions_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT reactions_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
