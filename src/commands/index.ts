// The command table: every command Herald runs, declared once, split by aggregate. REST routes, the
// native WebSocket and the dialects all run them from here (see docs/architecture.md, "Commands").
import type { Static, TSchema } from '@sinclair/typebox';
import type { Actor } from '../core/actor.js';
import { CommandTable, type CommandDef, type CommandTableOptions, type Commands, type RunOptions } from './command.js';
import type { Services } from './services.js';
import { USER_COMMANDS } from './users.js';
import { SPACE_COMMANDS } from './spaces.js';
import { MESSAGE_COMMANDS } from './messages.js';
import { REACTION_COMMANDS } from './reactions.js';
import { READ_COMMANDS } from './reads.js';
import { EPHEMERAL_COMMANDS } from './ephemeral.js';
import { FILE_COMMANDS } from './files.js';
import { ACTION_COMMANDS, CUSTOM_COMMANDS } from './actions.js';
import { CONTENT_COMMANDS } from './content.js';
import { TAG_COMMANDS } from './tags.js';
import { CALL_COMMANDS, INBOX_COMMANDS, SUBSCRIPTION_COMMANDS } from './social.js';

export type { Services } from './services.js';

const DEFS = [
  ...USER_COMMANDS,
  ...SPACE_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...REACTION_COMMANDS,
  ...READ_COMMANDS,
  ...EPHEMERAL_COMMANDS,
  ...FILE_COMMANDS,
  ...ACTION_COMMANDS,
  ...CUSTOM_COMMANDS,
  ...CONTENT_COMMANDS,
  ...TAG_COMMANDS,
  ...SUBSCRIPTION_COMMANDS,
  ...CALL_COMMANDS,
  ...INBOX_COMMANDS,
];

type Def = (typeof DEFS)[number];
export type CommandName = Def['name'];
type DefOf<N extends CommandName> = Extract<Def, { name: N }>;
export type InputOf<N extends CommandName> = Static<DefOf<N>['input']>;
export type OutputOf<N extends CommandName> = Static<DefOf<N>['output']>;

export function commandTable(services: Services, opts: CommandTableOptions = {}): CommandTable<Services> {
  return new CommandTable(DEFS as unknown as CommandDef<TSchema, TSchema, Services>[], services, opts);
}

/** Runs a command by name with its input and result typed from the table (the table still validates the input). */
export function call<N extends CommandName>(commands: Commands, name: N, actor: Actor, input: InputOf<N>, opts?: RunOptions): Promise<OutputOf<N>> {
  return commands.run(name, actor, input, opts) as Promise<OutputOf<N>>;
}
