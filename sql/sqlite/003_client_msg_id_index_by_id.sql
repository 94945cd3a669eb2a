-- The retry index now leads with client_msg_id, then sender_id: the same pairs are unique, and a
-- lookup gives both columns. Why: our clients send UUIDv7 ids, which grow with time across all
-- senders, so every new entry lands on the last leaf of the index and a batch dirties one leaf.
-- Led by sender_id, each sender's entries sat in their own range, and a closed-loop batch (one
-- message per sender) dirtied one leaf per message, which cost more Store CPU and WAL bytes per
-- message (`npm run bench:store`; docs/performance-notes.md).
DROP INDEX messages_client_msg;
CREATE UNIQUE INDEX messages_client_msg ON messages(client_msg_id, sender_id)
  WHERE client_msg_id IS NOT NULL;
