import { v7 } from 'uuid';

/**
 * A new `client_msg_id`: a UUIDv7, which sorts by creation time. The server keeps a unique index
 * on (client_msg_id, sender) to recognise retries; ids that grow with time go in at its end, on a
 * page that stays cached, where random ones (v4) land anywhere in it, so the v4 cost grows with
 * the history. `npm run bench:store` measures both ("client_msg_id" shapes).
 */
export function newClientMsgId(): string {
  return v7();
}
