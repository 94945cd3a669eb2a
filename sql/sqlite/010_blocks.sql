-- Blocks (issue 16): blocker_id no longer hears from blocked_id. Nothing else is deleted when a
-- row is added or removed, so unblocking shows everything again. The blocked user is never told.
CREATE TABLE blocks (
  blocker_id INTEGER NOT NULL REFERENCES users(id),
  blocked_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;
