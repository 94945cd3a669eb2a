-- One row per deleted message (issue 17: only messages count as unread, and a deleted one is no
-- longer one to read). unread subtracts the rows after a member's read cursor, one range of this
-- key (lib/db/shared-sql.ts CONVERSATION_SELECT); written in the deletion's transaction, removed
-- with the conversation. The messages deleted before this migration get their rows here.
CREATE TABLE deleted_messages (
  conversation_id INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
INSERT INTO deleted_messages (conversation_id, seq) SELECT conversation_id, seq FROM messages WHERE kind = 'message' AND deleted = 1;
