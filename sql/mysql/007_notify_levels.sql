-- Per-member notification level (mute), as sql/sqlite/009_notify_levels.sql.
ALTER TABLE members ADD COLUMN notify_level ENUM('all', 'mentions', 'none') NOT NULL DEFAULT 'all';
