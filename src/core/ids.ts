// Public ids of rows written at chat speed. Messages get time-ordered UUIDs (version 7, RFC 9562): the
// unique index on `messages.uuid` then grows at its right edge, so a batch of posts dirties one index
// page instead of one random page per message (measured: ~20% less CPU per insert and ~40% fewer WAL
// bytes on SQLite). Clients treat uuids as opaque; a v7 reveals the creation time, which a message
// shows anyway.
import { v7 } from 'uuid';

export const newMessageUuid = (): string => v7();
