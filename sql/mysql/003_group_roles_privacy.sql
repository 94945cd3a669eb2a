-- Groups grow roles, privacy, invitations, bans and per-join history visibility, exactly as
-- sql/sqlite/005_group_roles_privacy.sql does (the why is there): every current creator stays
-- creator, existing groups stay public with shared history, and existing members see everything.
-- Re-runnable: each ALTER runs only if information_schema says it has not run yet (so the file
-- also runs on MySQL 8, which has no ADD COLUMN IF NOT EXISTS).
SET @step = (SELECT IF(COUNT(*) = 0, 'DO 0', 'ALTER TABLE members DROP CONSTRAINT members_role')
  FROM information_schema.TABLE_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'members' AND CONSTRAINT_NAME = 'members_role');
PREPARE step FROM @step; EXECUTE step; DEALLOCATE PREPARE step;
ALTER TABLE members ADD CONSTRAINT members_role CHECK (role IN ('creator', 'admin', 'member'));

SET @step = (SELECT IF(COUNT(*) > 0, 'DO 0', 'ALTER TABLE members ADD COLUMN visible_after BIGINT NOT NULL DEFAULT 0')
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'members' AND COLUMN_NAME = 'visible_after');
PREPARE step FROM @step; EXECUTE step; DEALLOCATE PREPARE step;

SET @step = (SELECT IF(COUNT(*) > 0, 'DO 0', 'ALTER TABLE chat_groups ADD COLUMN private TINYINT NOT NULL DEFAULT 0')
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'chat_groups' AND COLUMN_NAME = 'private');
PREPARE step FROM @step; EXECUTE step; DEALLOCATE PREPARE step;

SET @step = (SELECT IF(COUNT(*) > 0, 'DO 0',
    'ALTER TABLE chat_groups ADD COLUMN history VARCHAR(8) CHARACTER SET ascii NOT NULL DEFAULT ''shared''')
  FROM information_schema.COLUMNS
  WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'chat_groups' AND COLUMN_NAME = 'history');
PREPARE step FROM @step; EXECUTE step; DEALLOCATE PREPARE step;

-- A pending invitation; it goes when the user joins or declines, or is banned.
CREATE TABLE IF NOT EXISTS group_invites (
  group_id   BIGINT NOT NULL,
  user_id    BIGINT NOT NULL,
  inviter_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, user_id),
  KEY group_invites_user (user_id),
  CONSTRAINT group_invites_group_fk FOREIGN KEY (group_id) REFERENCES chat_groups (id),
  CONSTRAINT group_invites_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT group_invites_inviter_fk FOREIGN KEY (inviter_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS group_bans (
  group_id   BIGINT NOT NULL,
  user_id    BIGINT NOT NULL,
  banned_by  BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (group_id, user_id),
  CONSTRAINT group_bans_group_fk FOREIGN KEY (group_id) REFERENCES chat_groups (id),
  CONSTRAINT group_bans_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT group_bans_by_fk FOREIGN KEY (banned_by) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
