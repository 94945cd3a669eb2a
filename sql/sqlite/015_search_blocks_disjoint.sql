-- Search blocks (012) that overlap a later block are cut back to end before it. Until the fix of
-- the block rebuild (lib/db/sqlite-search.ts), a block shared with a group that was then dropped
-- kept its range, and when the group's messages had been the table's last rows SQLite gave their
-- ids to the next messages: those fell inside the old block and inside their own, and a search
-- found them twice. The old block's tokens never held those messages (it was rebuilt without
-- them), so ending it before the next block loses nothing; a block is also cut back to the last
-- message there is. Blocks never overlap otherwise: an append takes ids above every one in use.
UPDATE search_blocks SET last_id = min(
  last_id,
  coalesce((SELECT min(x.first_id) FROM search_blocks x WHERE x.first_id > search_blocks.first_id) - 1, last_id),
  coalesce((SELECT max(id) FROM messages), 0));
-- A block left with no id at all (its messages all gone) goes, with its FTS5 row.
DELETE FROM search_index WHERE rowid IN (SELECT first_id FROM search_blocks WHERE last_id < first_id);
DELETE FROM search_blocks WHERE last_id < first_id;
