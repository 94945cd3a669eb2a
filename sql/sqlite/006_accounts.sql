-- Accounts and operators (issue 16): suspension, last login, what each resume token was last
-- used by, and the admin actions table, which is both the audit log and how `chat admin`
-- reaches running nodes: every node polls it (its highest id) and acts on new rows.
--
-- tokens.live_conn is the connection (`node:conn`) that holds the token now, NULL when none does;
-- a node clears its own at start, since a node that died could not. Existing tokens count as
-- last used when they were made.
ALTER TABLE users ADD COLUMN suspended_at INTEGER;
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
-- A deleted account stays as a row without a name (its messages still point at it): name '',
-- name_key a key no name can have, so the name is free for the reservation below to guard.
ALTER TABLE users ADD COLUMN deleted_at INTEGER;

-- The names of deleted accounts, which nobody may register until `until` (docs/operations.md).
CREATE TABLE reserved_names (
  name_key TEXT    PRIMARY KEY,
  until    INTEGER NOT NULL
);

ALTER TABLE tokens ADD COLUMN client TEXT;
ALTER TABLE tokens ADD COLUMN address TEXT;
ALTER TABLE tokens ADD COLUMN node TEXT;
ALTER TABLE tokens ADD COLUMN live_conn TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
UPDATE tokens SET last_used_at = created_at;
CREATE INDEX tokens_node ON tokens(node);

-- AUTOINCREMENT: a node remembers the highest id it has acted on, so ids must only grow.
CREATE TABLE admin_actions (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  actor     TEXT    NOT NULL, -- the operating-system user who ran `chat admin`
  action    TEXT    NOT NULL,
  target_id INTEGER,          -- the user acted on, if any (no foreign key: the log outlives users)
  target    TEXT    NOT NULL, -- the name acted on, as given
  detail    TEXT    NOT NULL DEFAULT '{}'
);
