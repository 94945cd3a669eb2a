import { LocalBus } from '../bus/local-bus.ts';
import type { ServerConfig } from '../config.ts';
import { openStore } from '../db/open.ts';
import { createLogger } from '../logger.ts';
import { ChatServer } from '../server/server.ts';

/** Runs a node until SIGINT/SIGTERM, then stops gracefully (see ChatServer.stop). */
export async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.nodeId);
  const store = await openStore(config.db);
  const server = new ChatServer({ config, store, bus: new LocalBus(), log });
  const address = await server.listen();
  log.info({ host: address.address, port: address.port, db: redactDb(config.db) }, 'listening');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      server.stop().then(resolve, (err) => {
        log.error({ err }, 'stop failed');
        resolve();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('stopped');
}

/** A MySQL URL may carry a password. */
function redactDb(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
