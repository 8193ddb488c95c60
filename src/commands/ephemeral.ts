// Ephemeral commands (service/ephemeral.ts): never stored, never replayed.
import { Type } from '@sinclair/typebox';
import { command } from './command.js';
import type { Services } from './services.js';
import { Id } from './schemas.js';

export const EPHEMERAL_COMMANDS = [
  command({
    name: 'typing.start',
    summary: 'Tell the space you are typing (ephemeral, throttled: delivered false when dropped)',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({ delivered: Type.Boolean() }),
    run: async (s: Services, actor, d) => ({ delivered: await s.ephemeral.typing(actor, d.space_id) }),
  }),
  command({
    name: 'typing.stop',
    summary: 'Tell the space you stopped typing (ephemeral, not throttled)',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({ delivered: Type.Boolean() }),
    run: async (s: Services, actor, d) => (await s.ephemeral.stopTyping(actor, d.space_id), { delivered: true }),
  }),
];
