-- The search index by blocks (lib/db/sqlite-search.ts says why): an FTS5 row of search_index now
-- indexes a block of messages with consecutive rowids, first_id..last_id, and its rowid is
-- first_id. Until now every row indexed one message under that message's rowid, and every
-- message that is not deleted had one (008 indexed them, each append and edit since kept it so),
-- so each of them is a block of its own: nothing is tokenized again.
CREATE TABLE search_blocks (
  first_id INTEGER PRIMARY KEY,
  last_id  INTEGER NOT NULL
);
INSERT INTO search_blocks (first_id, last_id) SELECT id, id FROM messages WHERE kind = 'message' AND deleted = 0;
