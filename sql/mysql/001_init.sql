-- Initial schema, mirroring sql/sqlite/001_init.sql. Timestamps are ms since epoch.
--
-- Keys (name_key, token_hash, direct_key, client_msg_id) are VARBINARY: compared and sorted
-- byte for byte, exactly like SQLite's default BINARY collation. A collation such as
-- utf8mb4_bin would already avoid case folding, but it is PAD SPACE on MariaDB and MySQL, so
-- 'k' and 'k ' would collide in a unique index; bytes never do.
-- Display texts are utf8mb4 (4-byte UTF-8: emoji) with a binary collation, so nothing is folded.
-- DDL is not transactional in MySQL: each statement is written to be re-runnable, so a
-- migration interrupted halfway can simply be run again.

CREATE TABLE IF NOT EXISTS users (
  id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(255)  CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name_key      VARBINARY(1024) NOT NULL,
  password_hash TEXT          CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  created_at    BIGINT        NOT NULL,
  UNIQUE KEY users_name_key (name_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS tokens (
  token_hash VARBINARY(255) NOT NULL PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  KEY tokens_user (user_id),
  CONSTRAINT tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS friend_requests (
  from_id    BIGINT NOT NULL,
  to_id      BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (from_id, to_id),
  KEY friend_requests_to (to_id),
  CONSTRAINT friend_requests_from_fk FOREIGN KEY (from_id) REFERENCES users (id),
  CONSTRAINT friend_requests_to_fk FOREIGN KEY (to_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Outlives friendships: re-friending finds the old direct conversation by direct_key.
-- InnoDB never hands out an AUTO_INCREMENT id again (the counter is persistent since MariaDB
-- 10.2.4 / MySQL 8.0), so a deleted group's conversation id is never reused, as in SQLite.
-- last_seq is the per-conversation counter: see docs/mysql.md for how seqs are assigned.
CREATE TABLE IF NOT EXISTS conversations (
  id         BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind       VARCHAR(8)    CHARACTER SET ascii NOT NULL,
  direct_key VARBINARY(64) NULL, -- 'minUserId:maxUserId' for direct, NULL for groups
  last_seq   BIGINT        NOT NULL DEFAULT 0,
  created_at BIGINT        NOT NULL,
  UNIQUE KEY conversations_direct_key (direct_key),
  CONSTRAINT conversations_kind CHECK (kind IN ('direct', 'group'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Two rows per friendship, one from each side, so "friends of X" is a single index range.
CREATE TABLE IF NOT EXISTS friendships (
  user_id         BIGINT NOT NULL,
  friend_id       BIGINT NOT NULL,
  conversation_id BIGINT NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (user_id, friend_id),
  CONSTRAINT friendships_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT friendships_friend_fk FOREIGN KEY (friend_id) REFERENCES users (id),
  CONSTRAINT friendships_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS chat_groups (
  id              BIGINT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name            VARCHAR(255)    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  name_key        VARBINARY(1024) NOT NULL,
  description     MEDIUMTEXT      CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  creator_id      BIGINT          NOT NULL,
  conversation_id BIGINT          NOT NULL,
  created_at      BIGINT          NOT NULL,
  UNIQUE KEY chat_groups_name_key (name_key),
  UNIQUE KEY chat_groups_conversation (conversation_id),
  CONSTRAINT chat_groups_creator_fk FOREIGN KEY (creator_id) REFERENCES users (id),
  CONSTRAINT chat_groups_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS members (
  conversation_id BIGINT     NOT NULL,
  user_id         BIGINT     NOT NULL,
  role            VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT 'member',
  delivered_seq   BIGINT     NOT NULL DEFAULT 0,
  read_seq        BIGINT     NOT NULL DEFAULT 0,
  joined_at       BIGINT     NOT NULL,
  PRIMARY KEY (conversation_id, user_id),
  KEY members_user (user_id),
  CONSTRAINT members_role CHECK (role IN ('creator', 'member')),
  CONSTRAINT members_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT members_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A retried send is recognised by (sender, client_msg_id) before a seq is assigned. NULLs do
-- not collide in a UNIQUE key, which mirrors SQLite's partial index.
CREATE TABLE IF NOT EXISTS messages (
  conversation_id BIGINT         NOT NULL,
  seq             BIGINT         NOT NULL,
  sender_id       BIGINT         NOT NULL,
  text            LONGTEXT       CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  client_msg_id   VARBINARY(512) NULL,
  created_at      BIGINT         NOT NULL,
  PRIMARY KEY (conversation_id, seq),
  UNIQUE KEY messages_client_msg (sender_id, client_msg_id),
  CONSTRAINT messages_conversation_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id),
  CONSTRAINT messages_sender_fk FOREIGN KEY (sender_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
