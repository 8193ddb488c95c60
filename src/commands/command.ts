// A command declared once, as data: name, input schema, result schema and handler. REST routes, the
// native WebSocket and every dialect that changes state run commands through one CommandTable, so a
// command is validated, authorised and executed the same way whatever the transport.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { isAnonymous, type Actor } from '../core/actor.js';
import { HeraldError, badRequest } from '../core/errors.js';

export interface CommandDef<I extends TSchema = TSchema, O extends TSchema = TSchema, S = unknown, N extends string = string> {
  /** `aggregate.verb`, e.g. `messages.post`. */
  readonly name: N;
  readonly summary: string;
  readonly input: I;
  /** The result, as every transport returns it: only what the caller may see (public projections). */
  readonly output: O;
  /** Runs without credentials (sign-up, login); every other command refuses an anonymous actor. */
  readonly anonymous?: boolean;
  /**
   * Its input carries values only server code may set (the storage key of an upload it stored): transports
   * run it with `{ internal: true }` and never map client input straight onto it.
   */
  readonly internal?: boolean;
  run(services: S, actor: Actor, input: Static<I>): Promise<Static<O>>;
}

/** Declares a command with its types (and its name as a literal type) inferred from the schemas. */
export function command<const N extends string, I extends TSchema, O extends TSchema, S>(def: CommandDef<I, O, S, N>): CommandDef<I, O, S, N> {
  return def;
}

export interface RunOptions {
  /** Server code running an `internal` command with values it produced itself. */
  internal?: boolean;
}

/** What transports and dialects see of the command table. */
export interface Commands {
  /** Validates `input` against the command's schema and runs it as `actor`; unknown names and bad input are `bad_request`. */
  run(name: string, actor: Actor, input: unknown, opts?: RunOptions): Promise<unknown>;
  has(name: string): boolean;
  /** The declaration (schemas, summary) of a command, e.g. to derive an HTTP route from it. */
  get(name: string): CommandDef | undefined;
  list(): readonly CommandDef[];
}

export interface CommandTableOptions {
  /** Checks every result against the command's result schema (tests): a mismatch is an error, not a silent leak. */
  checkOutput?: boolean;
}

interface Entry<S> {
  def: CommandDef<TSchema, TSchema, S>;
  input: TypeCheck<TSchema>;
  output: TypeCheck<TSchema> | null;
}

export class CommandTable<S> implements Commands {
  private readonly byName = new Map<string, Entry<S>>();

  constructor(
    defs: readonly CommandDef<TSchema, TSchema, S>[],
    private readonly services: S,
    opts: CommandTableOptions = {},
  ) {
    for (const def of defs) {
      if (this.byName.has(def.name)) throw new Error(`command ${def.name} declared twice`);
      this.byName.set(def.name, { def, input: TypeCompiler.Compile(def.input), output: opts.checkOutput ? TypeCompiler.Compile(def.output) : null });
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): CommandDef | undefined {
    return this.byName.get(name)?.def as CommandDef | undefined;
  }

  list(): readonly CommandDef[] {
    return [...this.byName.values()].map((c) => c.def as CommandDef);
  }

  async run(name: string, actor: Actor, input: unknown, opts: RunOptions = {}): Promise<unknown> {
    const c = this.byName.get(name);
    if (c === undefined || (c.def.internal && !opts.internal)) throw badRequest(`unknown command "${name.slice(0, 64)}"`);
    if (isAnonymous(actor) && !c.def.anonymous) throw new HeraldError('unauthenticated', 'log in first: this command needs credentials');
    if (!c.input.Check(input)) {
      const first = c.input.Errors(input).First();
      throw badRequest(`invalid input for ${name}: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`);
    }
    const out = await c.def.run(this.services, actor, input);
    if (c.output !== null && !c.output.Check(out)) {
      const first = c.output.Errors(out).First();
      throw new Error(`result of ${name} does not match its schema: ${first ? `${first.path || '/'} ${first.message}` : 'wrong shape'}`);
    }
    return out;
  }
}
