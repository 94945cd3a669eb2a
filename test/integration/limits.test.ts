// test-timeout: 90
// Connection limits that hold under abuse: slowloris trickles and anonymous sockets are
// dropped after the login timeout, and one address cannot open unbounded connections.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RawPeer } from '../helpers/raw.ts';
import { connectAs, startServer } from '../helpers/server.ts';

const limits = suite('limits');

limits('a client trickling a partial line forever is dropped at the login timeout; a logged-in one stays', async () => {
  // Long enough for a registration's password hash on a loaded machine, short for a test.
  const server = await startServer({ args: ['--login-timeout-ms', '2500'] });
  try {
    const member = await connectAs(server, 'lena');
    const trickler = await RawPeer.open(server.port);
    const started = Date.now();
    const partial = '{"id":1,"type":"ping","pad":"' + 'x'.repeat(1000);
    for (let i = 0; i < partial.length && !trickler.closed && Date.now() - started < 10_000; i++) {
      trickler.write(partial[i]!); // each byte resets the idle timer, but not the login timer
      await new Promise((r) => setTimeout(r, 20));
    }
    await trickler.waitClosed(5000);
    assert.is(trickler.frames.at(-1)?.code, 'CHAT_ERR_LOGIN_TIMEOUT');
    // Anonymous pings do not extend it either (whether or not their replies beat the timeout).
    const pinger = await RawPeer.open(server.port);
    for (let i = 0; i < 200 && !pinger.closed; i++) {
      pinger.write(JSON.stringify({ id: i, type: 'ping' }) + '\n');
      await new Promise((r) => setTimeout(r, 50));
    }
    await pinger.waitClosed(5000);
    assert.is(pinger.frames.at(-1)?.code, 'CHAT_ERR_LOGIN_TIMEOUT');
    assert.is(member.closed, false);
    assert.ok((await member.request('ping', {})).ts);
    member.destroy();
  } finally {
    await server.stop();
  }
});

limits('connections per address are capped; other addresses and freed slots are unaffected', async () => {
  const server = await startServer({ args: ['--max-connections-per-address', '3'] });
  try {
    const peers = await Promise.all([1, 2, 3].map(() => RawPeer.open(server.port)));
    for (const p of peers) assert.is((await p.request({ id: 1, type: 'ping' })).ok, true);
    const fourth = await RawPeer.open(server.port);
    await fourth.waitClosed(5000);
    assert.is(fourth.frames[0]?.code, 'CHAT_ERR_TOO_MANY_CONNECTIONS');
    const elsewhere = await RawPeer.open(server.port, '127.0.0.1', '127.0.0.2');
    assert.is((await elsewhere.request({ id: 1, type: 'ping' })).ok, true);
    peers[0]!.close();
    let again: RawPeer | null = null;
    for (let i = 0; i < 50 && !again; i++) {
      const p = await RawPeer.open(server.port);
      await new Promise((r) => setTimeout(r, 50));
      if (!p.closed) again = p;
    }
    assert.ok(again, 'a freed slot can be used again');
    assert.is((await again!.request({ id: 2, type: 'ping' })).ok, true);
    for (const p of [...peers, elsewhere, again!]) p.close();
  } finally {
    await server.stop();
  }
});

limits('over the request rate a session is slowed, not refused; other sessions are not held up', async () => {
  const server = await startServer({ args: ['--rate-limit', '40', '--rate-burst', '10'] });
  try {
    const flood = await RawPeer.open(server.port);
    const calm = await RawPeer.open(server.port);
    const started = Date.now();
    flood.write(Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, type: 'ping' }) + '\n').join(''));
    const calmReply = await calm.request({ id: 'calm', type: 'ping' });
    assert.is(calmReply.ok, true);
    assert.ok(flood.frames.length < 50, 'the calm session was answered while the flood was still queued');
    for (let i = 0; i < 50; i++) assert.is((await flood.next((f) => f.id === i, 10_000)).ok, true, `request ${i} answered`);
    // 10 at once, then 40 more at 40/s: at least a second, however fast the machine.
    assert.ok(Date.now() - started >= 900, 'the rate was enforced');
    flood.close();
    calm.close();
  } finally {
    await server.stop();
  }
});

limits.run();
