-- Mentions (issue 17): the members a message names, one row per (message, mentioned user).
-- Names may contain spaces, so the sender lists them (`send` `mentions`); the server keeps the
-- members among them, resolved to ids at send time: names are never reused by another id
-- (a deleted account keeps its row without a name), so a mention of a deleted account shows
-- no name anyone could register since. Written in the message's own transaction, and removed
-- with it (a deletion, a dropped group).
--   sender_id  the message's sender, so that a rule about whose messages count (block) can
--              apply to the mention count without joining messages
-- The primary key reads a message's mentions (history, sync, search); mentions_by_user makes
-- `unread`'s count of a member's mentions after their read cursor one index range.
-- Independent of every other migration after 009 (no table or column of theirs is used).
CREATE TABLE message_mentions (
  conversation_id INTEGER NOT NULL,
  seq             INTEGER NOT NULL,
  user_id         INTEGER NOT NULL,
  sender_id       INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id)
) WITHOUT ROWID;
CREATE INDEX mentions_by_user ON message_mentions (user_id, conversation_id, seq);
