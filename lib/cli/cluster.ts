// `chat cluster up|add|down|status`: a local cluster for trying cluster mode and for tests.
// N `chat serve` nodes (ports BASE, BASE+2, …) against one MySQL and one Redis, and nginx in
// front of them with a config generated from nginx/chat.conf.template. Everything it starts is
// recorded in STATE_DIR/cluster.json, so `down` stops exactly that.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Output } from './output.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHAT_BIN = join(ROOT, 'bin', 'chat.js');
const TEMPLATE = join(ROOT, 'nginx', 'chat.conf.template');
const START_TIMEOUT_MS = 60_000;
export const STREAM_MODULES = ['/usr/lib/nginx/modules/ngx_stream_module.so', '/usr/share/nginx/modules/ngx_stream_module.so'];

export interface ClusterArgs {
  stateDir: string;
  nodes: number;
  basePort: number;
  lbPort: number;
  db: string;
  redis: string;
  redisPrefix?: string | undefined;
  presenceTtlMs?: number | undefined;
  logLevel: string;
}

export interface NodeRecord {
  id: string;
  port: number;
  pid: number;
  log: string;
}

export interface ClusterState {
  lbPort: number;
  nginxConf: string;
  nginxPid: string;
  nodes: NodeRecord[];
  args: ClusterArgs;
}

function statePath(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readState(dir: string): ClusterState | null {
  try {
    return JSON.parse(readFileSync(statePath(dir), 'utf8')) as ClusterState;
  } catch {
    return null;
  }
}

// The state holds the --db URL, password included, so only its owner may read it; `chmod`
// as well because `mode` applies only when the file is created.
function writeState(dir: string, state: ClusterState): void {
  const path = statePath(dir);
  writeFileSync(path, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts one `chat serve` in the background; resolves once its log says `listening`. */
async function startNode(args: ClusterArgs, index: number, port: number): Promise<NodeRecord> {
  const id = `n${index + 1}`;
  const log = join(args.stateDir, `${id}.log`);
  const fd = openSync(log, 'a');
  // The store and Redis URLs may carry passwords: they go through the environment, which only the
  // node's owner can read (/proc/PID/environ), not argv, which `ps` shows to every local user.
  const serveArgs = [
    CHAT_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--node-id', id, '--log-level', args.logLevel,
    // nginx names each client in a PROXY header, so the per-address limits stay on and count clients.
    '--proxy-protocol', '--trusted-proxies', '127.0.0.1/32',
    ...(args.redisPrefix ? ['--redis-prefix', args.redisPrefix] : []),
    ...(args.presenceTtlMs ? ['--presence-ttl-ms', String(args.presenceTtlMs)] : []),
  ];
  const env = { ...process.env, CHAT_DB: args.db, CHAT_REDIS: args.redis };
  const child = spawn(process.execPath, serveArgs, { cwd: ROOT, env, detached: true, stdio: ['ignore', fd, fd] });
  child.unref();
  const pid = child.pid!;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    if (text.split('\n').some((l) => l.includes('"msg":"listening"') && l.includes(`"port":${port}`))) break;
    const tail = text.split('\n').slice(-6).join('\n');
    if (!alive(pid)) throw new Error(`node ${id} exited before listening; see ${log}:\n${tail}`);
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL'); // not recorded anywhere yet: do not leave it behind
      throw new Error(`node ${id} did not listen within ${START_TIMEOUT_MS / 1000} s; its log ${log} ends:\n${tail}`);
    }
    await sleep(100);
  }
  return { id, port, pid, log };
}

function nginxConfig(state: Pick<ClusterState, 'lbPort' | 'nginxPid' | 'nodes'>): string {
  const module = STREAM_MODULES.find((p) => existsSync(p));
  if (!module) throw new Error('nginx stream module not found: apt-get install nginx libnginx-mod-stream');
  const servers = state.nodes.map((n) => `        server 127.0.0.1:${n.port} max_fails=1 fail_timeout=5s;`).join('\n');
  return readFileSync(TEMPLATE, 'utf8')
    .replace('{{STREAM_MODULE}}', module)
    .replace('{{PID_FILE}}', state.nginxPid)
    .replace('{{SERVERS}}', servers)
    .replace('{{LISTEN}}', `127.0.0.1:${state.lbPort}`);
}

function nginx(state: ClusterState, ...extra: string[]): void {
  const dir = dirname(state.nginxConf);
  const r = spawnSync('nginx', ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', state.nginxConf, ...extra], { encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run nginx (${r.error.message}): apt-get install nginx libnginx-mod-stream`);
  if (r.status !== 0) throw new Error(`nginx ${extra.join(' ')} failed: ${r.stderr.trim()}`);
}

function nginxPid(state: ClusterState): number | null {
  try {
    return Number(readFileSync(state.nginxPid, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`nothing accepts connections on 127.0.0.1:${port} after ${ms} ms`);
    await sleep(50);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port now. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function clusterUp(args: ClusterArgs, out: Output): Promise<ClusterState> {
  const stateDir = resolve(args.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const existing = readState(stateDir);
  if (existing && existing.nodes.some((n) => alive(n.pid))) throw new Error(`a cluster is already running from ${stateDir}; run chat cluster down first`);
  const full = { ...args, stateDir };
  const state: ClusterState = { lbPort: args.lbPort, nginxConf: join(stateDir, 'nginx.conf'), nginxPid: join(stateDir, 'nginx.pid'), nodes: [], args: full };
  try {
    // The first node creates and migrates the database alone; the others start together.
    state.nodes.push(await startNode(full, 0, args.basePort));
    state.nodes.push(...(await Promise.all(Array.from({ length: args.nodes - 1 }, (_, i) => startNode(full, i + 1, args.basePort + 2 * (i + 1))))));
    writeState(stateDir, state);
    writeFileSync(state.nginxConf, nginxConfig(state));
    nginx(state);
    await waitForPort(args.lbPort, 10_000);
  } catch (err) {
    writeState(stateDir, state);
    await clusterDown(stateDir, null);
    throw err;
  }
  writeState(stateDir, state);
  for (const n of state.nodes) out.emit({ type: 'node', node: n.id, port: n.port, pid: n.pid, log: n.log }, `node ${n.id} on 127.0.0.1:${n.port} (pid ${n.pid}, log ${n.log})`);
  out.emit({ type: 'cluster', server: `127.0.0.1:${args.lbPort}`, nodes: state.nodes.length, state_dir: stateDir },
    `nginx on 127.0.0.1:${args.lbPort} → ${state.nodes.length} nodes. Clients: --server 127.0.0.1:${args.lbPort}. Stop with: chat cluster down`);
  return state;
}

/** Starts one more node and reloads nginx so that new connections can reach it. */
export async function clusterAdd(stateDir: string, out: Output): Promise<NodeRecord> {
  const state = readState(resolve(stateDir));
  if (!state) throw new Error(`no cluster in ${stateDir}`);
  const index = state.nodes.length;
  const port = Math.max(...state.nodes.map((n) => n.port)) + 2;
  const node = await startNode(state.args, index, port);
  state.nodes.push(node);
  writeState(state.args.stateDir, state);
  writeFileSync(state.nginxConf, nginxConfig(state));
  nginx(state, '-s', 'reload');
  out.emit({ type: 'node', node: node.id, port: node.port, pid: node.pid, log: node.log }, `node ${node.id} on 127.0.0.1:${node.port} joined; nginx reloaded`);
  return node;
}

/** Stops nginx, then every node (SIGTERM, SIGKILL after 12 s). */
export async function clusterDown(stateDir: string, out: Output | null): Promise<void> {
  const state = readState(resolve(stateDir));
  if (!state) {
    out?.emit({ type: 'cluster', running: false }, `no cluster in ${stateDir}`);
    return;
  }
  const pid = nginxPid(state);
  if (pid && alive(pid)) {
    try {
      nginx(state, '-s', 'quit');
    } catch {
      process.kill(pid, 'SIGTERM');
    }
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  const running = state.nodes.filter((n) => alive(n.pid));
  for (const n of running) process.kill(n.pid, 'SIGTERM');
  const deadline = Date.now() + 12_000;
  while (running.some((n) => alive(n.pid)) && Date.now() < deadline) await sleep(50);
  for (const n of running) if (alive(n.pid)) process.kill(n.pid, 'SIGKILL');
  rmSync(statePath(state.args.stateDir), { force: true });
  out?.emit({ type: 'cluster', running: false, stopped: running.length }, `stopped nginx and ${running.length} node(s)`);
}

export function clusterStatus(stateDir: string, out: Output): void {
  const state = readState(resolve(stateDir));
  if (!state) {
    out.emit({ type: 'cluster', running: false }, `no cluster in ${stateDir}`);
    return;
  }
  for (const n of state.nodes) out.emit({ type: 'node', node: n.id, port: n.port, pid: n.pid, alive: alive(n.pid) }, `${n.id} 127.0.0.1:${n.port} pid ${n.pid} ${alive(n.pid) ? 'up' : 'DOWN'}`);
  const pid = nginxPid(state);
  out.emit({ type: 'cluster', server: `127.0.0.1:${state.lbPort}`, nginx: pid !== null && alive(pid) }, `nginx 127.0.0.1:${state.lbPort} ${pid && alive(pid) ? 'up' : 'DOWN'}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
