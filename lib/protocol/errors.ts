// Every error the server or client can report, by stable code. Tests assert on the code,
// never on the sentence. docs/errors.md documents each one; a unit test keeps the two in step.
export const ERROR_CODES = {
  // framing and validation
  CHAT_ERR_BAD_JSON: 'the line is not valid JSON',
  CHAT_ERR_BAD_UTF8: 'the line is not valid UTF-8; the connection is closed',
  CHAT_ERR_LINE_TOO_LONG: 'the line exceeds the maximum frame size; the connection is closed',
  CHAT_ERR_BAD_FRAME: 'the frame is not a JSON object with a string "type"',
  CHAT_ERR_UNKNOWN_TYPE: 'the frame type is not a known request',
  CHAT_ERR_BAD_FIELD: 'a field is missing, of the wrong type, or out of range',
  CHAT_ERR_BAD_NAME: 'a user or group name breaks the naming rule',
  CHAT_ERR_BAD_PASSWORD: 'the password is too short or too long',
  CHAT_ERR_TEXT_TOO_LONG: 'the message text exceeds the maximum length',
  CHAT_ERR_PROTOCOL_VERSION: 'the client speaks a protocol version this server does not',
  // session
  CHAT_ERR_NOT_LOGGED_IN: 'the request needs a logged-in session',
  CHAT_ERR_ALREADY_LOGGED_IN: 'this connection is already logged in',
  CHAT_ERR_AUTH_FAILED: 'unknown user or wrong password',
  CHAT_ERR_LOGIN_THROTTLED: 'too many failed logins for this account or address; wait and try again',
  CHAT_ERR_TOKEN_INVALID: 'the resume token is unknown, expired or revoked',
  CHAT_ERR_SUSPENDED: 'an operator suspended this account; it cannot log in, and its sessions are closed',
  CHAT_ERR_SESSION_REVOKED: 'this session was ended from another session or by an operator (password change, sessions revoke, logout --all); the connection is closed',
  CHAT_ERR_NO_SUCH_SESSION: 'no session or resume token of yours has that id',
  CHAT_ERR_CONNECTION_CLOSED: 'the connection closed while the login was under way; nothing was signed in',
  CHAT_ERR_SLOW_CONSUMER: 'the peer stopped reading; its output buffer passed the bound and the connection is closed',
  CHAT_ERR_IDLE_TIMEOUT: 'nothing was received within the idle timeout; the connection is closed',
  CHAT_ERR_LOGIN_TIMEOUT: 'the connection did not log in in time; it is closed',
  CHAT_ERR_TOO_MANY_CONNECTIONS: 'this address has too many open connections; the new one is closed',
  CHAT_ERR_PROXY_HEADER: 'the PROXY protocol header is missing, malformed, or from an untrusted address; the connection is closed',
  CHAT_ERR_SHUTTING_DOWN: 'the server is stopping',
  // users and friends
  CHAT_ERR_REGISTRATION_CLOSED: 'this server does not take registrations; an operator creates accounts (chat admin add-user)',
  CHAT_ERR_REGISTER_THROTTLED: 'too many registrations from this address; wait and try again',
  CHAT_ERR_NAME_TAKEN: 'that name is already registered (names are unique regardless of case)',
  CHAT_ERR_NO_SUCH_USER: 'no user has that name',
  CHAT_ERR_SELF: 'you cannot do that to yourself',
  CHAT_ERR_ALREADY_FRIENDS: 'you are already friends',
  CHAT_ERR_REQUEST_PENDING: 'a friend request between you is already pending',
  CHAT_ERR_NO_REQUEST: 'there is no pending friend request from that user',
  CHAT_ERR_NOT_FRIENDS: 'direct messages are between friends only',
  CHAT_ERR_USER_BLOCKED: 'you blocked that user; unblock them first',
  // groups
  CHAT_ERR_GROUP_TAKEN: 'a group with that name already exists',
  CHAT_ERR_NO_SUCH_GROUP: 'no group has that name',
  CHAT_ERR_ALREADY_MEMBER: 'you are already a member of that group',
  CHAT_ERR_NOT_MEMBER: 'you are not a member of that group',
  CHAT_ERR_FORBIDDEN: 'your role in that group does not allow this',
  CHAT_ERR_BANNED: 'you are banned from that group',
  CHAT_ERR_NO_INVITE: 'you have no invitation to that group',
  CHAT_ERR_USER_NOT_MEMBER: 'that user is not a member of the group',
  CHAT_ERR_USER_ALREADY_MEMBER: 'that user is already a member of the group',
  CHAT_ERR_USER_BANNED: 'that user is banned from the group; unban them first',
  CHAT_ERR_ALREADY_BANNED: 'that user is already banned from the group',
  CHAT_ERR_NOT_BANNED: 'that user is not banned from the group',
  // conversations
  CHAT_ERR_NO_SUCH_CONVERSATION: 'the conversation does not exist or you are not in it',
  CHAT_ERR_BAD_CURSOR: 'the seq is beyond the last message of the conversation',
  CHAT_ERR_CLIENT_MSG_ID_REUSED: 'that client_msg_id was already used by this sender for another conversation or another kind of request',
  CHAT_ERR_NO_SUCH_MESSAGE: 'no message has that seq in this conversation (or the seq is an edit, deletion or reaction)',
  CHAT_ERR_MESSAGE_DELETED: 'that message was deleted; it can no longer be edited, deleted or reacted to',
  CHAT_ERR_NOT_YOURS: 'only the author may edit a message; only the author, or a group creator or admin, may delete it',
  CHAT_ERR_BAD_REACTION: 'a reaction is 1 to 32 bytes of UTF-8 with no control characters',
  CHAT_ERR_BAD_SEARCH_CURSOR: 'the search cursor is not one this server handed out',
  // infrastructure
  CHAT_ERR_DB_BUSY: 'the storage is overloaded; try again',
  CHAT_ERR_DB_UNAVAILABLE: 'the storage cannot be reached; try again',
  CHAT_ERR_INTERNAL: 'an unexpected server error; it is logged on the server',
  // client side
  CHAT_ERR_CONNECT: 'the server cannot be reached',
  CHAT_ERR_DISCONNECTED: 'the connection closed before the reply arrived',
  CHAT_ERR_TIMEOUT: 'no reply arrived in time',
  CHAT_ERR_CONFIG: 'a configuration value is invalid',
  CHAT_ERR_BAD_BACKUP: 'the file is not a readable chat database backup',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ChatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string) {
    super(message ?? ERROR_CODES[code]);
    this.name = 'ChatError';
    this.code = code;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
