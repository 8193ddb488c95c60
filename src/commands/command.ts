// A command declared once, as data: name, input schema, result schema and handler. REST routes, the
// native WebSocket and every dialect that changes state run commands through one CommandTable, so a
// command is validated, authorised and executed the same way whatever the transport.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Actor } from '../core/actor.js';
import { badRequest } from '../core/errors.js';

export interface CommandDef<I extends TSchema = TSchema, O extends TSchema = TSchema, S = unknown> {
  /** `aggregate.verb`, e.g. `messages.post`. */
  readonly name: string;
  readonly summary: string;
  readonly input: I;
  readonly output: O;
  run(services: S, actor: Actor, input: Static<I>): Promise<Static<O>>;
}

/** Declares a command with its types inferred from the schemas. */
export function command<I extends TSchema, O extends TSchema, S>(def: CommandDef<I, O, S>): CommandDef<I, O, S> {
  return def;
}

/** What transports and dialects see of the command table. */
export interface Commands {
  /** Validates `input` against the command's schema and runs it as `actor`; unknown names and bad input are `bad_request`. */
  run(name: string, actor: Actor, input: unknown): Promise<unknown>;
  has(name: string): boolean;
  list(): readonly CommandDef[];
}

export class CommandTable<S> implements Commands {
  private readonly byName = new Map<string, { def: CommandDef<TSchema, TSchema, S>; check: TypeCheck<TSchema> }>();

  constructor(
    defs: readonly CommandDef<TSchema, TSchema, S>[],
    private readonly services: S,
  ) {
    for (const def of defs) {
      if (this.byName.has(def.name)) throw new Error(`command ${def.name} declared twice`);
      this.byName.set(def.name, { def, check: TypeCompiler.Compile(def.input) });
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  list(): readonly CommandDef[] {
    return [...this.byName.values()].map((c) => c.def as CommandDef);
  }

  async run(name: string, actor: Actor, input: unknown): Promise<unknown> {
    const c = this.byName.get(name);
    if (c === undefined) throw badRequest(`unknown command "${name.slice(0, 64)}"`);
    if (!c.check.Check(input)) {
      const first = c.check.Errors(input).First();
      throw badRequest(`invalid input for ${name}: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`);
    }
    return c.def.run(this.services, actor, input);
  }
}
