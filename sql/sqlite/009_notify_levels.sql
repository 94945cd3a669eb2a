-- Per-member notification level (mute): stored on the server so it follows the user to every
-- device. Every existing membership notifies as before.
ALTER TABLE members ADD COLUMN notify_level TEXT NOT NULL DEFAULT 'all'
  CHECK (notify_level IN ('all', 'mentions', 'none'));
