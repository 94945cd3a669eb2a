import { v7 } from 'uuid';

/**
 * A new `client_msg_id`: a UUIDv7, which sorts by creation time. The server keeps a unique index
 * on (client_msg_id, sender) to recognise retries; ids that grow with time go in at its end, on a
 * page that stays cached, where random ones (v4) land anywhere in it. With 300 000 messages
 * stored, the embedded Store spent 15.7 µs on a message with a v7 id and 43.5 with a v4 id
 * (bench/README.md, "client_msg_id"), and the v4 cost grows with the history.
 */
export function newClientMsgId(): string {
  return v7();
}
