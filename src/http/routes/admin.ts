// GET /api/v1/admin/stats: the operator page's numbers, read from this server's own prom-client registry
// (src/metrics.ts). Counters are totals since start; the page turns two samples into rates. Server API key only.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Counter, Gauge } from 'prom-client';
import type { Context } from '../../context.js';
import { forbidden } from '../../core/errors.js';
import { actorOf } from '../../gateway/http-auth.js';
import { Problem } from '../schemas.js';

type Labelled = { labels: Record<string, string | number>; value: number };

async function values(m: Counter<string> | Gauge<string>): Promise<Labelled[]> {
  return (await m.get()).values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}
const sum = (vs: Labelled[]) => vs.reduce((n, v) => n + v.value, 0);
/** `{label value: total}` for one label. */
function byLabel(vs: Labelled[], label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of vs) {
    const k = String(v.labels[label] ?? 'unknown');
    out[k] = (out[k] ?? 0) + v.value;
  }
  return out;
}

const Total = Type.Number({ minimum: 0 });
const Stats = Type.Object({
  at: Type.Number({ description: 'server time, UTC milliseconds' }),
  connections: Type.Object({ total: Total, by: Type.Array(Type.Object({ dialect: Type.String(), transport: Type.String(), count: Total })) }),
  events_total: Total,
  deliveries_total: Total,
  frames_received_total: Total,
  slow_consumers_total: Total,
  resumes: Type.Record(Type.String(), Total, { description: 'resume attempts by outcome: ok, or the reset reason' }),
  delivery_errors_total: Total,
});

export function adminRoutes(app: FastifyInstance, ctx: Context): void {
  app.get('/api/v1/admin/stats', { schema: { tags: ['ops'], summary: 'Live numbers for the operator page (/admin): connections, events, deliveries, slow consumers, resumes; server API key only', response: { 200: Stats, '4xx': Problem } } }, async (req) => {
    if (!actorOf(req).server) throw forbidden('the operator stats need the server API key');
    const m = ctx.metrics;
    const conns = await values(m.connections);
    const resumes = await values(m.resumes);
    return {
      at: Date.now(),
      connections: {
        total: sum(conns),
        by: conns.filter((v) => v.value > 0).map((v) => ({ dialect: String(v.labels.dialect ?? ''), transport: String(v.labels.transport ?? ''), count: v.value })),
      },
      events_total: sum(await values(m.eventsAppended)),
      deliveries_total: sum(await values(m.deliveries)),
      frames_received_total: sum(await values(m.framesReceived)),
      slow_consumers_total: sum(await values(m.slowConsumers)),
      resumes: byLabel(resumes, 'outcome'),
      delivery_errors_total: sum(await values(m.deliveryErrors)),
    };
  });
}
