import type { ErrorCode } from './errors.ts';
import { CLIENT_MSG_ID_MAX, requestSchemas, type RequestOf, type RequestType } from './messages.ts';

export type RequestId = string | number | null;

export type ParsedRequest = {
  [T in RequestType]: { id: RequestId; type: T; body: RequestOf<T> };
}[RequestType];

export type ParseResult =
  | { ok: true; request: ParsedRequest }
  | { ok: false; id: RequestId; code: ErrorCode; message: string };

const MAX_ID_LENGTH = 64;

function readId(raw: unknown): RequestId | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string' && raw.length <= MAX_ID_LENGTH) return raw;
  return undefined;
}

/**
 * Turns one line into a typed request, or into the error to reply with. Unknown fields are
 * dropped, so a client-supplied `from` or `user_id` can never reach a handler.
 */
export function parseRequest(line: string): ParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, id: null, code: 'CHAT_ERR_BAD_JSON', message: 'the line is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, id: null, code: 'CHAT_ERR_BAD_FRAME', message: 'a frame must be a JSON object' };
  }
  const frame = raw as Record<string, unknown>;
  const id = readId(frame.id);
  if (id === undefined) {
    return { ok: false, id: null, code: 'CHAT_ERR_BAD_FIELD', message: `"id" must be a safe integer or a string of at most ${MAX_ID_LENGTH} characters` };
  }
  const type = frame.type;
  if (typeof type !== 'string') {
    return { ok: false, id, code: 'CHAT_ERR_BAD_FRAME', message: 'a frame needs a string "type"' };
  }
  if (!Object.hasOwn(requestSchemas, type)) {
    return { ok: false, id, code: 'CHAT_ERR_UNKNOWN_TYPE', message: `unknown request type ${JSON.stringify(type.slice(0, 40))}` };
  }
  if (type === 'send') {
    const body = fastSend(frame);
    if (body) return { ok: true, request: { id, type, body } };
  } else if (type === 'ack' || type === 'read') {
    const body = fastCursorMove(frame);
    if (body) return { ok: true, request: { id, type, body } };
  }
  const schema = requestSchemas[type as RequestType];
  const parsed = schema.safeParse(frame);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `"${issue.path.join('.')}": ` : '';
    return { ok: false, id, code: 'CHAT_ERR_BAD_FIELD', message: `${type}: ${where}${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, request: { id, type, body: parsed.data } as ParsedRequest };
}

// Read from the schema itself, so the fast paths cannot drift from it.
const NAME_MAX = requestSchemas.send.shape.to.unwrap().maxLength ?? 0;
const CONVERSATION_MAX = requestSchemas.ack.shape.conversation.maxLength ?? 0;
const optionalString = (v: unknown, min: number, max: number) =>
  v === undefined || (typeof v === 'string' && v.length >= min && v.length <= max);

/**
 * `send` is most of the traffic, so a well-formed one skips the schema walk. It accepts exactly
 * what requestSchemas.send accepts and builds the same body (known fields only); anything it
 * does not accept goes through the schema, which also words the error.
 */
function fastSend(frame: Record<string, unknown>): RequestOf<'send'> | null {
  const { to, group, text, client_msg_id } = frame;
  // a reply or a mention is rare: the schema checks it
  if (frame.reply_to !== undefined || frame.mentions !== undefined) return null;
  if (typeof text !== 'string' || text.length < 1) return null;
  if (!optionalString(to, 1, NAME_MAX) || !optionalString(group, 1, NAME_MAX)) return null;
  if (!optionalString(client_msg_id, 1, CLIENT_MSG_ID_MAX)) return null;
  const body: RequestOf<'send'> = { text };
  if (to !== undefined) body.to = to as string;
  if (group !== undefined) body.group = group as string;
  if (client_msg_id !== undefined) body.client_msg_id = client_msg_id as string;
  return body;
}

/**
 * `ack` and `read`: a client acks every conversation once per tick, so there are about as many
 * as sends. Accepts exactly what requestSchemas.ack (= read) accepts, as fastSend does for send.
 */
function fastCursorMove(frame: Record<string, unknown>): RequestOf<'ack'> | null {
  const { conversation, seq } = frame;
  if (typeof conversation !== 'string' || conversation.length < 1 || conversation.length > CONVERSATION_MAX) return null;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return null;
  return { conversation, seq };
}
