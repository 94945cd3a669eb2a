#!/usr/bin/env node
// The whole suite: type-check, then every test file in its own process under a time limit
// (uvu has no timeouts, so a leaked socket must fail one file rather than hang CI).
// Ends with the line `N passed, N failed` that CI reads.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_TIMEOUT_S = Number(process.env.CHAT_TEST_TIMEOUT ?? 120);
const JOBS = Number(process.env.CHAT_TEST_JOBS ?? 2);
const filters = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

// ANSI sequences in uvu's summary would break the count parsing.
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function runFile(file) {
  const header = readFileSync(file, 'utf8').match(/^\/\/ test-timeout: (\d+)/m);
  const timeoutS = header ? Number(header[1]) : DEFAULT_TIMEOUT_S;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout kills the servers it started too
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = stripAnsi(output);
      const total = sum(text, /Total:\s+(\d+)/g);
      const passed = sum(text, /Passed:\s+(\d+)/g);
      const skipped = sum(text, /Skipped:\s+(\d+)/g);
      // uvu's Total already leaves skipped tests out.
      let failed = Math.max(0, total - passed);
      if ((code !== 0 || timedOut) && failed === 0) failed = 1; // a crash or a hang is a failure
      resolve({ file, code, timedOut, passed, failed, skipped, text, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function sum(text, re) {
  let n = 0;
  for (const m of text.matchAll(re)) n += Number(m[1]);
  return n;
}

async function main() {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  if (tsc.status !== 0) {
    console.error('tsc --noEmit failed');
    failed++;
  } else {
    passed++;
    console.log('ok   tsc --noEmit');
  }
  let files = findTests(join(root, 'test'));
  // matched against the path under the repository, so a checkout's own path (say /work/wt/client-help) matches nothing
  if (filters.length > 0) files = files.filter((f) => filters.some((p) => relative(root, f).includes(p)));
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      passed += r.passed;
      failed += r.failed;
      skipped += r.skipped;
      const name = relative(root, r.file);
      const status = r.failed > 0 ? 'FAIL' : 'ok  ';
      console.log(`${status} ${name} (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${r.seconds.toFixed(1)}s)`);
      // A test may report figures worth seeing in every run (the fuzz size, say) on a REPORT line.
      for (const line of r.text.split('\n')) if (line.includes('REPORT ')) console.log('     ' + line.slice(line.indexOf('REPORT ')));
      if (r.failed > 0 || process.env.CHAT_TEST_VERBOSE) {
        if (r.timedOut) console.log(`     timed out: killed after its time limit`);
        console.log(r.text.split('\n').map((l) => '     ' + l).join('\n'));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, JOBS) }, worker));
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
}

main();
