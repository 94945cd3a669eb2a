-- Groups grow roles, privacy, invitations, bans and per-join history visibility (issue 16).
-- members.role gains 'admin'. SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt with every row as it was: every current creator stays creator. members.visible_after
-- is the seq after which a member sees the conversation: the conversation's last seq when they
-- joined a group whose history is `joined`, else 0. It is set per join, so a rejoin starts from
-- the rejoin; existing members (and every direct conversation) keep 0 and see everything, as
-- before. Existing groups stay public with shared history.
CREATE TABLE members_with_admins (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  user_id         INTEGER NOT NULL REFERENCES users(id),
  role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('creator', 'admin', 'member')),
  delivered_seq   INTEGER NOT NULL DEFAULT 0,
  read_seq        INTEGER NOT NULL DEFAULT 0,
  joined_at       INTEGER NOT NULL,
  visible_after   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id)
);
INSERT INTO members_with_admins (conversation_id, user_id, role, delivered_seq, read_seq, joined_at)
  SELECT conversation_id, user_id, role, delivered_seq, read_seq, joined_at FROM members;
DROP TABLE members;
ALTER TABLE members_with_admins RENAME TO members;
CREATE INDEX members_user ON members(user_id);

ALTER TABLE chat_groups ADD COLUMN private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1));
ALTER TABLE chat_groups ADD COLUMN history TEXT NOT NULL DEFAULT 'shared' CHECK (history IN ('shared', 'joined'));

-- A pending invitation; it goes when the user joins or declines, or is banned.
CREATE TABLE group_invites (
  group_id   INTEGER NOT NULL REFERENCES chat_groups(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  inviter_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_invites_user ON group_invites(user_id);

CREATE TABLE group_bans (
  group_id   INTEGER NOT NULL REFERENCES chat_groups(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  banned_by  INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
