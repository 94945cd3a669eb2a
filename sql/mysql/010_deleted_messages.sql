-- One row per deleted message, as sql/sqlite/013_deleted_messages.sql says. Re-runnable.
CREATE TABLE IF NOT EXISTS deleted_messages (
  conversation_id BIGINT NOT NULL,
  seq             BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) ENGINE=InnoDB;
INSERT IGNORE INTO deleted_messages (conversation_id, seq) SELECT conversation_id, seq FROM messages WHERE kind = 'message' AND deleted = 1;
