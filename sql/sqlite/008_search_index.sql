-- The search index (lib/db/sqlite-search.ts says why it is shaped so): one FTS5 row per message,
-- rowid = messages.id, holding the message's tokens from lib/db/search-tokens.ts as hex.
-- Contentless (the text stays in messages only), with contentless_delete so that a deleted or
-- edited message's row can be dropped by rowid alone. chat_search_tokens() is the JS tokenizer,
-- registered on the connection before migrations run, so existing messages are indexed here.
CREATE VIRTUAL TABLE search_index USING fts5(tokens, content='', contentless_delete=1, detail=none, tokenize='ascii');
INSERT INTO search_index (rowid, tokens) SELECT id, chat_search_tokens(text) FROM messages WHERE kind = 'message' AND deleted = 0;
