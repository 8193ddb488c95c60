// Commands of the actions aggregate (action items with due dates and assignees) and custom events an
// app's backend publishes with the server API key.
import { Type } from '@sinclair/typebox';
import * as actions from '../service/actions.js';
import { publish } from '../service/custom.js';
import { command } from './command.js';
import { read, write, type Services } from './services.js';
import { Done, Id, Millis, Nullable, Position } from './schemas.js';
import { ActionSchema } from './views.js';

const ActionFields = {
  name: Type.String({ minLength: 1, maxLength: 500 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  due_at: Type.Optional(Nullable(Millis)),
  assignee_id: Type.Optional(Nullable(Id)),
};
const Status = Type.Integer({ minimum: 0, maximum: 100 });

export const ACTION_COMMANDS = [
  command({
    name: 'actions.create',
    summary: 'Create an action item; emits action.created',
    input: Type.Object({ space_id: Id, ...ActionFields, type: Type.Optional(Status) }, { additionalProperties: false }),
    output: Type.Object({ action: ActionSchema }),
    run: write(async (c, { space_id, ...input }) => ({ action: await actions.create(c, space_id, input) })),
  }),
  command({
    name: 'actions.list',
    summary: 'Action items of a space',
    input: Type.Object({ space_id: Id }),
    output: Type.Object({ actions: Type.Array(ActionSchema) }),
    run: read(async (c, d) => ({ actions: await actions.list(c, d.space_id) })),
  }),
  command({
    name: 'actions.update',
    summary: 'Update an action item; emits action.updated',
    input: Type.Object({ action_id: Id, ...ActionFields, name: Type.Optional(ActionFields.name), status: Type.Optional(Status) }, { additionalProperties: false }),
    output: Type.Object({ action: ActionSchema }),
    run: write(async (c, { action_id, ...patch }) => ({ action: await actions.update(c, action_id, patch) })),
  }),
  command({
    name: 'actions.delete',
    summary: 'Delete an action item (its creator or managers); emits action.deleted',
    input: Type.Object({ action_id: Id }),
    output: Done,
    run: write(async (c, d) => (await actions.remove(c, d.action_id), {})),
  }),
];

export const CUSTOM_COMMANDS = [
  command({
    name: 'custom.publish',
    summary: 'Publish a custom event custom.<name> to a space, or to everyone (server API key only)',
    input: Type.Object(
      { name: Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$' }), space_id: Type.Optional(Nullable(Id)), payload: Type.Record(Type.String(), Type.Unknown()) },
      { additionalProperties: false },
    ),
    output: Type.Object({ id: Position, type: Type.String(), recipients: Type.Integer({ description: 'How many users it was addressed to when appended' }) }),
    run: async (s: Services, actor, d) => {
      const ev = await s.runtime.write(actor, (c) => publish(c, d.name, d.space_id ?? null, d.payload));
      return { id: ev.id ?? 0, type: ev.type, recipients: s.audienceSize(ev) };
    },
  }),
];
