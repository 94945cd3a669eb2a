import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { DB_POOL_DEFAULTS, type DbPoolConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ChatError } from '../protocol/errors.ts';
import type { CheckpointErrorReport } from './sqlite-checkpointer.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

export interface OpenOptions {
  /** the MySQL pool's knobs; ignored for sqlite: */
  pool?: DbPoolConfig;
  log?: Logger;
  /** the SQLite checkpoint thread failed; ignored for mysql:// */
  onCheckpointError?: CheckpointErrorReport | undefined;
}

// The MySQL modules (mysql2, generic-pool and their dependencies, ~100 files) are loaded only for
// a mysql:// URL: on the SQLite default they would only lengthen the start-up.

/** Opens the store a --db URL names: sqlite:PATH (the embedded default) or mysql://… */
export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return SqliteStore.open(url.slice('sqlite:'.length), { onCheckpointError: options.onCheckpointError });
  if (url.startsWith('mysql://')) {
    const { MysqlStore } = await import('./mysql-store.ts');
    return MysqlStore.open(url, options.pool ?? DB_POOL_DEFAULTS, options.log);
  }
  throw new ChatError('CHAT_ERR_CONFIG', `unknown --db scheme in ${JSON.stringify(url)}`);
}

/** `chat db migrate`: creates (MySQL) and migrates the database, then closes it. */
export async function migrateStore(url: string): Promise<{ version: number; applied: string[] }> {
  if (url.startsWith('mysql://')) {
    const [{ migrate }, { parseMysqlUrl }] = await Promise.all([import('./mysql-migrate.ts'), import('./mysql-url.ts')]);
    return migrate(parseMysqlUrl(url));
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    const before = sqliteVersion(path);
    await SqliteStore.open(path).close(); // SqliteStore migrates on open
    const version = sqliteVersion(path);
    const applied = readdirSync(new URL('../../sql/sqlite/', import.meta.url))
      .filter((f) => /^\d+_.*\.sql$/.test(f) && Number(f.split('_')[0]) > before && Number(f.split('_')[0]) <= version)
      .sort();
    return { version, applied };
  }
  throw new ChatError('CHAT_ERR_CONFIG', `unknown --db scheme in ${JSON.stringify(url)}`);
}

function sqliteVersion(path: string): number {
  if (path === '' || path === ':memory:' || !existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
    return table ? ((db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0) : 0;
  } finally {
    db.close();
  }
}
