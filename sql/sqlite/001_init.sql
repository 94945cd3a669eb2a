-- Initial schema. Timestamps are ms since epoch. Table and column names avoid words that are
-- reserved in MySQL (hence chat_groups), so the MySQL schema can mirror this one.

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  name_key      TEXT    NOT NULL UNIQUE,
  password_hash TEXT    NOT NULL,
  created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
  token_hash TEXT    PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE friend_requests (
  from_id    INTEGER NOT NULL REFERENCES users(id),
  to_id      INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (from_id, to_id)
);
CREATE INDEX friend_requests_to ON friend_requests(to_id);

-- Outlives friendships: re-friending finds the old direct conversation by direct_key.
-- AUTOINCREMENT: ids of deleted groups are never reused, or clients holding cursors for the
-- old conversation would silently drop the new one's messages as already seen.
CREATE TABLE conversations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT    NOT NULL CHECK (kind IN ('direct', 'group')),
  direct_key TEXT    UNIQUE, -- 'minUserId:maxUserId' for direct, NULL for groups
  last_seq   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);

-- Two rows per friendship, one from each side, so "friends of X" is a single index range.
CREATE TABLE friendships (
  user_id         INTEGER NOT NULL REFERENCES users(id),
  friend_id       INTEGER NOT NULL REFERENCES users(id),
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (user_id, friend_id)
);

CREATE TABLE chat_groups (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL,
  name_key        TEXT    NOT NULL UNIQUE,
  description     TEXT    NOT NULL DEFAULT '',
  creator_id      INTEGER NOT NULL REFERENCES users(id),
  conversation_id INTEGER NOT NULL UNIQUE REFERENCES conversations(id),
  created_at      INTEGER NOT NULL
);

CREATE TABLE members (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  user_id         INTEGER NOT NULL REFERENCES users(id),
  role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('creator', 'member')),
  delivered_seq   INTEGER NOT NULL DEFAULT 0,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  joined_at       INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE messages (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq             INTEGER NOT NULL,
  sender_id       INTEGER NOT NULL REFERENCES users(id),
  text            TEXT    NOT NULL,
  client_msg_id   TEXT,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
-- A retried send is recognised by (sender, client_msg_id) before a seq is assigned.
CREATE UNIQUE INDEX messages_client_msg ON messages(sender_id, client_msg_id)
  WHERE client_msg_id IS NOT NULL;
