-- Edits, deletions and reactions become entries of the conversation's one sequence (issue 17):
-- each takes its own seq in `messages` and names its target's seq. Sync, cursors, gap fill and
-- the bus wake-up then need no second path.
--   kind       'message', or the event: 'edit', 'delete', 'reaction'
--   target_seq an event's target (a message of the same conversation)
--   reply_to   a message that answers another: the target's seq
--   edited_at  a message's last edit (its `text` is always the current text)
--   deleted    a message: a tombstone, its text is gone (and the text of its edit entries too);
--              a reaction entry: the reaction was taken back
--   msg_no     how many messages (kind 'message') the conversation holds up to this entry, so
--              that unread = msg_count - msg_no at the read cursor needs no count over rows
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'message'
  CHECK (kind IN ('message', 'edit', 'delete', 'reaction'));
ALTER TABLE messages ADD COLUMN target_seq INTEGER;
ALTER TABLE messages ADD COLUMN reply_to INTEGER;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN msg_no INTEGER NOT NULL DEFAULT 0;
-- Every entry so far is a message, and seqs run 1..last_seq with no gaps.
UPDATE messages SET msg_no = seq;
ALTER TABLE conversations ADD COLUMN msg_count INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET msg_count = last_seq;

-- The current reactions, folded from the reaction entries: one row per (message, user, emoji).
CREATE TABLE reactions (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq             INTEGER NOT NULL,
  user_id         INTEGER NOT NULL REFERENCES users(id),
  emoji           TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id, emoji)
) WITHOUT ROWID;
