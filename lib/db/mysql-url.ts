// mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE → connection settings. The database name is
// spliced into CREATE DATABASE (identifiers cannot be bound), so it is restricted to a safe set.
import { ChatError } from '../protocol/errors.ts';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

export function parseMysqlUrl(url: string): MysqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError('is not a URL');
  }
  if (parsed.protocol !== 'mysql:') throw configError('must start with mysql://');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!DATABASE_NAME.test(database)) {
    throw configError('needs a database name of 1-64 letters, digits or underscores: mysql://user@host:3306/chat');
  }
  const port = parsed.port === '' ? 3306 : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw configError('needs a host');
  return {
    host,
    port,
    // Like the mysql client, a URL without a user means root on a local test server.
    user: decodeURIComponent(parsed.username) || 'root',
    password: decodeURIComponent(parsed.password),
    database,
  };
}

/** The URL with any password masked, for logs. */
export function redactMysqlUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function configError(why: string): ChatError {
  return new ChatError('CHAT_ERR_CONFIG', `--db mysql URL ${why}`);
}
