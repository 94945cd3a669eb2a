import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

// uuid's own v7() draws its 16 random bytes through crypto.getRandomValues on every call, which
// costs several times the rest of the id (the bench generator makes one per send); a pool filled
// by randomFillSync gives the same bytes for a fraction of it. Given its bytes, v7() keeps no
// state, so the millisecond and counter that keep ids in creation order within one millisecond
// are kept here, as uuid keeps them (its updateV7State).
const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let used = POOL_BYTES;
let msecs = -Infinity;
let seq = 0;

/**
 * A new `client_msg_id`: a UUIDv7, which sorts by creation time. The server keeps a unique index
 * on (client_msg_id, sender) to recognise retries; ids that grow with time go in at its end, on a
 * page that stays cached, where random ones (v4) land anywhere in it, so the v4 cost grows with
 * the history. `npm run bench:store` measures both ("client_msg_id" shapes).
 */
export function newClientMsgId(): string {
  if (used + 16 > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used, used + 16);
  used += 16;
  const now = Date.now();
  if (now > msecs) {
    msecs = now;
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) msecs++;
  }
  return v7({ random, msecs, seq });
}
