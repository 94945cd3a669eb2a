-- Edits, deletions and reactions as entries of the one sequence, exactly as
-- sql/sqlite/007_message_events.sql does (the why of each column is there). Re-runnable: the
-- columns and the table are added only if missing (MariaDB's IF NOT EXISTS), and the backfills
-- touch only rows still at their defaults.
ALTER TABLE messages
  ADD COLUMN IF NOT EXISTS kind       VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT 'message',
  ADD COLUMN IF NOT EXISTS target_seq BIGINT NULL,
  ADD COLUMN IF NOT EXISTS reply_to   BIGINT NULL,
  ADD COLUMN IF NOT EXISTS edited_at  BIGINT NULL,
  ADD COLUMN IF NOT EXISTS deleted    TINYINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS msg_no     BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET msg_no = seq WHERE msg_no = 0 AND kind = 'message';
ALTER TABLE conversations ADD COLUMN IF NOT EXISTS msg_count BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET msg_count = last_seq WHERE msg_count = 0;

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
