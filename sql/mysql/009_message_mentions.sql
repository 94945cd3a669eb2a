-- Mentions, exactly as sql/sqlite/011_message_mentions.sql (the why of each column is there).
-- Re-runnable: an interrupted migration is simply run again.
CREATE TABLE IF NOT EXISTS message_mentions (
  conversation_id BIGINT NOT NULL,
  seq             BIGINT NOT NULL,
  user_id         BIGINT NOT NULL,
  sender_id       BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id),
  KEY mentions_by_user (user_id, conversation_id, seq)
) ENGINE=InnoDB;
