import { ChatError } from '../protocol/errors.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** Opens the store a --db URL names: sqlite:PATH (the embedded default) or mysql://… */
export async function openStore(url: string): Promise<Store> {
  if (url.startsWith('sqlite:')) return SqliteStore.open(url.slice('sqlite:'.length));
  if (url.startsWith('mysql://')) {
    throw new ChatError('CHAT_ERR_CONFIG', 'mysql:// storage is not available in this version; use sqlite:PATH');
  }
  throw new ChatError('CHAT_ERR_CONFIG', `unknown --db scheme in ${JSON.stringify(url)}`);
}
