// Small keep-alive HTTP client for the load generator: node:http with a pooled agent is cheaper per
// request than fetch, and the load generator shares two cores with the server.
import { Agent, request as httpRequest } from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly port: number,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A JSON request that must answer `expect`; returns the parsed body. */
  async json<T>(method: string, path: string, body: unknown, headers: Record<string, string>, expect: number[] = [200, 201]): Promise<T> {
    const r = await this.request(method, path, body, headers);
    if (!expect.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
