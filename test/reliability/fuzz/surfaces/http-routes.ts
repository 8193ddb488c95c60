// Every route in /openapi.json: path parameters, query strings and JSON bodies generated from the route's
// own schemas (valid-looking), then mutated structurally and textually, with mixed credentials and
// content types. Streams (SSE) are left to the sse-headers surface; uploads to the multipart surface.
import type { Rng } from '../../../helpers/rng.js';
import { anyJson, idFor, uriEncode, mutateText, mutateValue, sample, WEIRD_STRINGS, type JsonSchema, type OpenApiOperation, type Surface, type Target, type Tally } from '../harness.js';
import { send } from '../http.js';

const STREAMS = /\/live_messages$|^\/api\/v1\/events$/;
/** Cases that may end the fuzzer's own session or objects run last, so most cases see intact fixtures. */
const DESTRUCTIVE = /logout|password|trashed(?!\/restore)|^delete /i;
/** Routes the server key would use to reset the fixtures' passwords (ending the sessions the test relies on). */
const PASSWORD = /\/password$/;

interface Route {
  method: string;
  template: string;
  op: OpenApiOperation;
}

function routesOf(t: Target): Route[] {
  const out: Route[] = [];
  for (const [template, ops] of Object.entries(t.openapi.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (method === 'get' && STREAMS.test(template)) continue;
      if (op.requestBody === undefined && /\/files(\/\{content_id\}\/raw)?$/.test(template) && method !== 'get') continue;
      out.push({ method: method.toUpperCase(), template, op });
    }
  }
  const destructive = (r: Route) => DESTRUCTIVE.test(`${r.method} ${r.template}`);
  return [...out.filter((r) => !destructive(r)), ...out.filter(destructive)];
}

function fillPath(r: Route, t: Target, rng: Rng): string {
  const users = [t.alice, t.bob, t.carol];
  return r.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'emoji') return uriEncode(rng.pick(['U 1F600', '👍', ...WEIRD_STRINGS.slice(0, 12)]).slice(0, 100));
    return uriEncode(String(idFor(name, t.ids, users, rng)));
  });
}

function query(r: Route, t: Target, rng: Rng): string {
  const params = (r.op.parameters ?? []).filter((p) => p.in === 'query' && p.name !== 'access_token');
  const parts: string[] = [];
  for (const p of params) {
    if (!rng.chance(0.6)) continue;
    const v = rng.chance(0.6) ? sample(p.schema, rng, { name: p.name, ids: t.ids, users: [t.alice, t.bob, t.carol] }) : rng.pick([...WEIRD_STRINGS.slice(0, 14), -1, 1e20]);
    parts.push(`${uriEncode(p.name)}=${uriEncode(String(v)).slice(0, 2000)}`);
  }
  if (rng.chance(0.1)) parts.push(`${uriEncode(rng.pick(WEIRD_STRINGS).slice(0, 20))}=x`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function credentials(r: Route, t: Target, rng: Rng): Record<string, string> {
  const x = rng.next();
  if (PASSWORD.test(r.template) && x >= 0.86) return { authorization: `Bearer ${t.token()}` };
  if (x < 0.72) return { authorization: `Bearer ${t.token()}` };
  if (x < 0.8) return {};
  if (x < 0.86) return { authorization: rng.pick(['Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${t.token()}x`, 'Bearer a.b.c', `bearer  ${t.token()}`]) };
  if (x < 0.93) return { authorization: `Bearer ${t.apiKey}`, 'x-herald-user': rng.pick([String(t.alice.id), String(t.alice.id), '0', '-1', 'abc', '99999999', '']) };
  // The plain server key (all powers) only on create routes, so the fixtures the test relies on survive.
  return r.method === 'POST' && !r.template.includes('{') ? { authorization: `Bearer ${t.apiKey}` } : { authorization: `Bearer ${t.token()}` };
}

function body(r: Route, t: Target, rng: Rng): { body?: string; type?: string } {
  const schema = r.op.requestBody?.content['application/json']?.schema as JsonSchema | undefined;
  if (!schema && rng.chance(0.8)) return {};
  const valid = sample(schema, rng, { name: '', ids: t.ids, users: [t.alice, t.bob, t.carol] });
  const x = rng.next();
  let text: string;
  if (x < 0.45) text = JSON.stringify(valid);
  else if (x < 0.8) text = JSON.stringify(mutateValue(valid, rng));
  else if (x < 0.95) text = mutateText(JSON.stringify(valid), rng);
  else text = JSON.stringify(anyJson(rng, 4));
  const type = rng.chance(0.88)
    ? 'application/json'
    : rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/JSON', 'multipart/form-data', 'application/octet-stream', 'application/merge-patch+json', '']);
  return { body: text, type };
}

export const surface: Surface = {
  name: 'http-routes',
  budget: 2000,
  // Its last cases delete and leave objects (DESTRUCTIVE): the other surfaces run before, on intact fixtures.
  last: true,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    const routes = routesOf(t);
    const per = Math.max(1, Math.round(budget / routes.length));
    for (const r of routes) {
      for (let i = 0; i < per; i++) {
        const { body: text, type } = body(r, t, rng);
        const headers: Record<string, string> = { ...credentials(r, t, rng) };
        if (type) headers['content-type'] = type;
        await send(t.base, { method: r.method, path: fillPath(r, t, rng) + query(r, t, rng), headers, body: r.method === 'GET' || r.method === 'HEAD' ? undefined : text, route: `${r.method} ${r.template}` }, tally);
        if (tally.cases % 100 === 0) await t.repair();
      }
    }
    await t.repair();
  },
};
