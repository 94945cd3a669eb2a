-- The same rule on `kind`, in a form SQLite checks cheaply. 007 added the column with
-- CHECK (kind IN (...)), and SQLite evaluates that list for every inserted row at a cost that
-- showed as a fifth of the message INSERT (docs/performance-notes.md, "The kind CHECK as a
-- chain"). The chain of = below accepts exactly the same four values and showed no cost. A CHECK
-- cannot be altered in place, so the table is rebuilt (SQLite's documented procedure, as 002
-- did), with every id kept: the search index (search_index, search_blocks) refers to messages by
-- id. No table, view or trigger refers to messages, so the drop and rename touch nothing else.
CREATE TABLE messages_checked (
  id              INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq             INTEGER NOT NULL,
  sender_id       INTEGER NOT NULL REFERENCES users(id),
  text            TEXT    NOT NULL,
  client_msg_id   TEXT,
  created_at      INTEGER NOT NULL,
  kind            TEXT    NOT NULL DEFAULT 'message'
    CHECK (kind = 'message' OR kind = 'edit' OR kind = 'delete' OR kind = 'reaction'),
  target_seq      INTEGER,
  reply_to        INTEGER,
  edited_at       INTEGER,
  deleted         INTEGER NOT NULL DEFAULT 0,
  msg_no          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO messages_checked (id, conversation_id, seq, sender_id, text, client_msg_id, created_at, kind, target_seq, reply_to, edited_at, deleted, msg_no)
  SELECT id, conversation_id, seq, sender_id, text, client_msg_id, created_at, kind, target_seq, reply_to, edited_at, deleted, msg_no
  FROM messages ORDER BY id;
DROP TABLE messages;
ALTER TABLE messages_checked RENAME TO messages;
CREATE UNIQUE INDEX messages_conversation_seq ON messages(conversation_id, seq);
-- A retried send is recognised by (client_msg_id, sender) before a seq is assigned (003).
CREATE UNIQUE INDEX messages_client_msg ON messages(client_msg_id, sender_id)
  WHERE client_msg_id IS NOT NULL;
