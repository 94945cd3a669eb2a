// A private nginx (stream module) on a free loopback port in front of one upstream, for tests
// that need the real proxy between client and node. Killed, with its workers, when the test
// process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canConnect, STREAM_MODULES } from '../../lib/cli/cluster.ts';
import { freePort } from './ports.ts';
import { tempDir } from './server.ts';

export interface RunningNginx {
  port: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) if (p.pid) try { process.kill(-p.pid, 'SIGKILL'); } catch {}
});

/** nginx on 127.0.0.1 proxying to 127.0.0.1:upstream, with `proxy_protocol on` unless told not to. */
export async function startNginx(upstream: number, options: { proxyProtocol?: boolean } = {}): Promise<RunningNginx> {
  const { dir } = tempDir('chat-nginx-');
  const module = STREAM_MODULES.find((p) => existsSync(p));
  if (!module) throw new Error('nginx stream module not found');
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `load_module ${module};
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 256; }
stream {
    server {
        listen 127.0.0.1:${port};
        proxy_pass 127.0.0.1:${upstream};
        proxy_protocol ${options.proxyProtocol === false ? 'off' : 'on'};
        proxy_timeout 1m;
    }
}
`);
  const errorLog = join(dir, 'error.log');
  // detached: its own process group, so the workers die with it
  const proc = spawn('nginx', ['-p', dir, '-e', errorLog, '-c', conf], { detached: true, stdio: 'ignore' });
  live.add(proc);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  for (let i = 0; !(await canConnect(port)); i++) {
    if (proc.exitCode !== null || i > 200) {
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
      proc.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(-proc.pid!, 'SIGQUIT');
      await exited;
      live.delete(proc);
    },
  };
}
