// SSE request headers and parameters of the native and Tracim streams: Last-Event-ID and last_event_id
// values of every odd kind, epochs, Accept headers, credentials in the header or the query, another user's
// stream. A refusal must be a 4xx; an accepted stream must start with its first record.
import type { Rng } from '../../../helpers/rng.js';
import { WEIRD_STRINGS, uriEncode, type Surface, type Target, type Tally } from '../harness.js';

const POSITIONS = ['', '0', '1', '-1', 'abc', '1e5', '99999999999999999999', ' 5', '5 ', '0x10', '1.5', String(2 ** 53), String(2 ** 53 + 2), 'NaN', '+3', '٣', ...WEIRD_STRINGS.slice(0, 12)];

async function open(t: Target, url: string, headers: Record<string, string>, tally: Tally, what: string): Promise<void> {
  tally.cases++;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 5000);
  try {
    const res = await fetch(url, { headers, signal: abort.signal });
    tally.saw(String(res.status));
    if (res.status >= 500) {
      tally.fail(`${what} → ${res.status} ${(await res.text()).slice(0, 200)}`);
      return;
    }
    if (res.status !== 200) {
      await res.text();
      return;
    }
    // Accepted: the stream must produce its first record (welcome / retry hint) promptly.
    const reader = res.body!.getReader();
    const first = await reader.read();
    if (first.done) tally.fail(`${what}: a 200 stream ended at once`);
    abort.abort();
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'AbortError' && abort.signal.aborted) {
      if (!timer.hasRef()) return;
    }
    if (err instanceof TypeError && !err.cause?.code) tally.saw('client-refused');
    else if (err.name !== 'AbortError') tally.fail(`${what}: ${err.message}`);
  } finally {
    clearTimeout(timer);
  }
}

export const surface: Surface = {
  name: 'sse-headers',
  budget: 200,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    for (let i = 0; i < budget; i++) {
      const tracim = rng.chance(0.5);
      const who = rng.chance(0.85) ? t.alice : t.bob;
      const path = tracim ? `/api/users/${rng.chance(0.9) ? who.id : rng.pick(['0', '-1', 'abc', '99999'])}/live_messages` : '/api/v1/events';
      const q: string[] = [];
      if (rng.chance(0.3)) q.push(`last_event_id=${uriEncode(rng.pick(POSITIONS))}`);
      if (rng.chance(0.2)) q.push(`epoch=${uriEncode(rng.pick(['', 'x', 'unknown', ...WEIRD_STRINGS.slice(0, 8)]))}`);
      const headers: Record<string, string> = {};
      const cred = rng.next();
      if (cred < 0.7) headers.authorization = `Bearer ${t.token()}`;
      else if (cred < 0.8) q.push(`access_token=${uriEncode(t.token())}`);
      else if (cred < 0.9) headers.authorization = rng.pick(['Bearer x', 'Bearer', `Bearer ${t.apiKey}`]);
      if (rng.chance(0.6)) headers['last-event-id'] = rng.pick(POSITIONS);
      if (rng.chance(0.3)) headers.accept = rng.pick(['application/json', '*/*', 'text/event-stream;q=0', '']);
      const url = `${t.base}${path}${q.length ? `?${q.join('&')}` : ''}`;
      await open(t, url, headers, tally, `GET ${url.slice(t.base.length, 160)} ${JSON.stringify(headers).slice(0, 200)}`);
    }
  },
};
