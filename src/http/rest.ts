// REST routes derived from the command table: a route says which command it runs and where each input
// field comes from (path, query string, JSON body); the body and response schemas are the command's,
// so validation, the OpenAPI document and the serialised response all follow the one declaration.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import type { Commands } from '../commands/command.js';
import type { CommandName } from '../commands/index.js';
import { actorOf } from '../gateway/http-auth.js';
import { Problem } from './schemas.js';

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  command: CommandName;
  tags: string[];
  /** Path parameter → input field; the parameter's schema is the field's. */
  params?: Record<string, string>;
  /** Input fields read from the query string. */
  query?: readonly string[];
  /** Input fields a client may not send in this route's body (e.g. `user_id` on /me: always the caller). */
  omit?: readonly string[];
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  /** Status chosen from the result (e.g. 201 created, 200 found), with every status it may take. */
  statusOf?: { statuses: number[]; pick(result: unknown): number };
  /** A response body other than the result itself, with its schema. */
  reply?: { schema(output: TSchema): TSchema; map(result: unknown): unknown };
  summary?: string;
}

/** Wraps the result under one key, e.g. `{ unread: ... }`. */
export const under = (key: string): NonNullable<RouteDef['reply']> => ({ schema: (o) => Type.Object({ [key]: o }), map: (r) => ({ [key]: r }) });

const pick = (o: Record<string, unknown> | undefined, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => o?.[k] !== undefined).map((k) => [k, o![k]]));

export function mountRoutes(app: FastifyInstance, commands: Commands, routes: readonly RouteDef[]): void {
  for (const r of routes) {
    const def = commands.get(r.command);
    if (def === undefined) throw new Error(`route ${r.method} ${r.url}: no command ${r.command}`);
    const input = def.input as TObject;
    const field = (k: string): TSchema => {
      const s = input.properties[k];
      if (s === undefined) throw new Error(`route ${r.method} ${r.url}: ${r.command} has no input field ${k}`);
      return s;
    };
    const params = Object.entries(r.params ?? {});
    const query = r.query ?? [];
    const outside = new Set([...params.map(([, f]) => f), ...query, ...(r.omit ?? [])]);
    const bodyFields = Object.keys(input.properties).filter((k) => !outside.has(k));
    const hasBody = r.method !== 'GET' && r.method !== 'DELETE' && bodyFields.length > 0;
    const output = r.reply ? r.reply.schema(def.output) : def.output;
    const statuses = r.statusOf?.statuses ?? [r.status ?? 200];
    const response: Record<string, TSchema> = { '4xx': Problem };
    for (const s of statuses) response[String(s)] = s === 204 ? Type.Null({ description: 'No Content' }) : output;

    app.route({
      method: r.method,
      url: r.url,
      config: { auth: def.anonymous ? 'optional' : 'required' },
      schema: {
        tags: r.tags,
        summary: r.summary ?? def.summary,
        ...(def.anonymous ? { security: [] } : {}),
        ...(params.length ? { params: Type.Object(Object.fromEntries(params.map(([p, f]) => [p, field(f)]))) } : {}),
        ...(query.length ? { querystring: Type.Pick(input, [...query]) } : {}),
        ...(hasBody ? { body: Type.Object(Object.fromEntries(bodyFields.map((k) => [k, field(k)])), { additionalProperties: input.additionalProperties ?? true }) } : {}),
        response,
      },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const p = req.params as Record<string, unknown>;
        const data = {
          ...(hasBody ? (req.body as Record<string, unknown>) : {}),
          ...pick(req.query as Record<string, unknown>, query),
          ...Object.fromEntries(params.map(([name, f]) => [f, p[name]])),
        };
        const result = await commands.run(r.command, actorOf(req), data);
        const status = r.statusOf ? r.statusOf.pick(result) : (r.status ?? 200);
        if (status === 204) return reply.status(204).send();
        return reply.status(status).send(r.reply ? r.reply.map(result) : result);
      },
    });
  }
}
