-- Messages move from a WITHOUT ROWID table clustered by (conversation_id, seq) to a rowid table in
-- arrival order, with (conversation_id, seq) as a unique index. Why: a group commit holds messages
-- of many conversations (a closed loop of 50 pairs: ~30 conversations per batch). Clustered by
-- conversation, each message rewrote its own ~180-byte-per-row leaf, and leaf splits in the middle
-- of the tree rewrote siblings and the parent: 2.1 WAL pages per message. In arrival order the
-- rows of a batch share the rightmost leaf, and only the small index entries are scattered: 1.4
-- pages and ~30 % less Store CPU per message (`npm run bench:store`, bench/README.md).
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
