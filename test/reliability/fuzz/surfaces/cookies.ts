// Cookie headers on routes that read the Tracim session cookie (and others): good, foreign, forged or empty
// session tokens among other applications' cookies. Values stay valid percent-encoding here; invalid
// encoding has its own test in fuzz.test.ts.
import type { Rng } from '../../../helpers/rng.js';
import type { Surface, Target, Tally } from '../harness.js';
import { send } from '../http.js';

function cookie(t: Target, rng: Rng): string {
  const session = () => `session_key=${rng.pick([t.token(), t.token() + 'x', encodeURIComponent(t.token()), 'a.b.c', '', t.apiKey, 'null', '%20'])}`;
  const other = () => rng.pick(['_ga=GA1.2.3', 'theme=dark', 'a=', '=b', 'c', 'x=' + 'y'.repeat(rng.int(1, 6000)), 'q="quoted"', 'sp=a%20b', 'u=%E2%9C%93']);
  const items = Array.from({ length: rng.int(0, 5) }, () => (rng.chance(0.4) ? session() : other()));
  return items.join(rng.pick(['; ', ';', ' ; ', ';;', ', ']));
}

export const surface: Surface = {
  name: 'cookies',
  budget: 200,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    const routes: [string, string][] = [
      ['GET', '/api/auth/whoami'],
      ['GET', `/api/workspaces/${t.ids.workspace}`],
      ['GET', `/api/users/${t.alice.id}/messages/summary`],
      ['GET', `/api/workspaces/${t.ids.workspace}/contents`],
      ['GET', '/api/v1/me'],
      ['POST', '/api/users'],
    ];
    for (let i = 0; i < budget; i++) {
      const [method, path] = routes[i % routes.length];
      const headers: Record<string, string> = { cookie: cookie(t, rng) };
      if (rng.chance(0.3)) headers.authorization = `Bearer ${t.token()}`;
      const body = method === 'POST' ? JSON.stringify({ email: `c${i}-${rng.int(0, 1e9)}@example.test`, password: 'correct horse battery' }) : undefined;
      if (body) headers['content-type'] = 'application/json';
      await send(t.base, { method, path, headers, body, route: `${method} ${path}` }, tally);
    }
  },
};
