// One fuzzed HTTP request and its verdict, shared by the HTTP surfaces: a 5xx, an `internal` problem code
// or no answer within the timeout is a failure; anything else is tallied by status.
import type { Tally } from './harness.js';

export interface FuzzRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Label for failure messages (the route template). */
  route: string;
}

const TIMEOUT_MS = 8000;

/** Sends the request; returns the status (0 when the client itself refused to send it, e.g. a bad header). */
export async function send(base: string, r: FuzzRequest, tally: Tally): Promise<number> {
  tally.cases++;
  let res: Response;
  try {
    res = await fetch(base + r.path, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    if (err.name === 'TimeoutError') {
      tally.fail(`${r.method} ${r.route} (${r.path.slice(0, 120)}): no answer within ${TIMEOUT_MS} ms`);
      return -1;
    }
    if (err instanceof TypeError && !err.cause?.code) {
      // fetch refused to build the request (invalid header value, GET with a body): nothing was sent.
      tally.saw('client-refused');
      return 0;
    }
    tally.fail(`${r.method} ${r.route} (${r.path.slice(0, 120)}): connection failed: ${err.message} ${err.cause?.code ?? ''}`);
    return -1;
  }
  const text = await res.text().catch(() => '');
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  tally.saw(String(res.status));
  if (res.status >= 500 || code === 'internal') {
    const body = typeof r.body === 'string' ? r.body.slice(0, 200) : r.body ? `<${r.body.length} bytes>` : '';
    tally.fail(`${r.method} ${r.route} → ${res.status} ${text.slice(0, 200)} | path ${r.path.slice(0, 120)} | headers ${JSON.stringify(r.headers ?? {}).slice(0, 200)} | body ${body}`);
  }
  return res.status;
}
