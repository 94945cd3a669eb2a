-- The search index by blocks (lib/db/mysql-search.ts says why): search_blocks says which seqs of a
-- conversation a block covers (a run of up to 64 of its messages, `size` of them so far), and
-- search_block_tokens holds one row per distinct token of the block's texts together (the tokens
-- of lib/db/search-tokens.ts, as UTF-8 bytes). Keyed by conversation first, as 006's table was: a
-- search reads only the user's conversations, and a deleted group's rows are one key range. No
-- second key: an edit or a delete finds its block's rows by their tokens. The messages already
-- stored are indexed by the code step that lib/db/mysql-migrate.ts runs after this file, which
-- then drops 006's search_tokens; the step and these statements are re-runnable.
CREATE TABLE IF NOT EXISTS search_blocks (
  conversation_id BIGINT NOT NULL,
  first_seq       BIGINT NOT NULL,
  last_seq        BIGINT NOT NULL,
  size            INT    NOT NULL,
  PRIMARY KEY (conversation_id, first_seq)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS search_block_tokens (
  conversation_id BIGINT       NOT NULL,
  token           VARBINARY(8) NOT NULL,
  first_seq       BIGINT       NOT NULL,
  PRIMARY KEY (conversation_id, token, first_seq)
) ENGINE=InnoDB;
