-- Messages move from a WITHOUT ROWID table clustered by (conversation_id, seq) to a rowid table in
-- arrival order, with (conversation_id, seq) as a unique index. Why: a group commit holds messages
-- of many conversations (the closed-loop scenario's batches span most of its pairs). Clustered by
-- conversation, each message rewrote its own leaf, and leaf splits in the middle of the tree
-- rewrote siblings and the parent. In arrival order the rows of a batch share the rightmost leaf,
-- and only the small index entries are scattered: fewer WAL pages and less Store CPU per message
-- (`npm run bench:store`; docs/performance-notes.md).
CREATE TABLE messages_in_arrival_order (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq             INTEGER NOT NULL,
  sender_id       INTEGER NOT NULL REFERENCES users(id),
  text            TEXT    NOT NULL,
  client_msg_id   TEXT,
  created_at      INTEGER NOT NULL
);
INSERT INTO messages_in_arrival_order (conversation_id, seq, sender_id, text, client_msg_id, created_at)
  SELECT conversation_id, seq, sender_id, text, client_msg_id, created_at FROM messages
  ORDER BY created_at, conversation_id, seq;
DROP TABLE messages;
ALTER TABLE messages_in_arrival_order RENAME TO messages;
CREATE UNIQUE INDEX messages_conversation_seq ON messages(conversation_id, seq);
-- A retried send is recognised by (sender, client_msg_id) before a seq is assigned.
CREATE UNIQUE INDEX messages_client_msg ON messages(sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
