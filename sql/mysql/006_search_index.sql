-- The search index (lib/db/mysql-search.ts says why it is shaped so): one row per distinct token
-- of each message, the tokens of lib/db/search-tokens.ts, as UTF-8 bytes (at most two characters,
-- so at most 8 bytes). Keyed by conversation first: a search reads only the user's conversations,
-- and a deleted group's rows are one key range. Existing messages are indexed by the code step
-- that lib/db/mysql-migrate.ts runs after this file (MySQL cannot run the JS tokenizer); the step
-- and this statement are re-runnable, so an interrupted migration is simply run again.
CREATE TABLE IF NOT EXISTS search_tokens (
  conversation_id BIGINT       NOT NULL,
  token           VARBINARY(8) NOT NULL,
  seq             BIGINT       NOT NULL,
  PRIMARY KEY (conversation_id, token, seq)
) ENGINE=InnoDB;
