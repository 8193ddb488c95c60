// @herald/client: a TypeScript client for Herald's native protocol (docs/protocol.md). See client/README.md.
export { HeraldClient } from './client.js';
export type { ClientOptions, ClientState, ClientStats } from './options.js';
export { HeraldRest, type RestOptions, type FetchFn } from './rest.js';
export { CommandError, ApiError, AuthError, type CommandErrorCode } from './errors.js';
export { backoffDelay, backoffOptions, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export type { TransportKind, WebSocketCtor, WebSocketLike } from './transports.js';
export { COMMAND_NAMES, EPHEMERAL_EVENT_TYPES } from './types.js';
export type {
  CommandInput,
  CommandMap,
  CommandName,
  CommandResult,
  CreateSpaceInput,
  EphemeralEventType,
  EventOfType,
  HeraldEventFrame,
  HeraldEventType,
  Reset,
  ResetReason,
  ServerErrorCode,
  Session,
  UnreadSummary,
  Welcome,
  Wire,
  WireMessage,
  WireSpace,
  WireUnread,
  WireUser,
} from './types.js';
