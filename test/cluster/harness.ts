// A Herald cluster for tests: N Herald child processes (ephemeral ports, own data dirs) on one fresh
// PostgreSQL database and one NATS prefix, both unique to the run; plus the real clients the cluster
// tests use (mqtt.js over WebSocket, @stomp/stompjs) pointed at one node.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { connect } from 'nats';
import pg from 'pg';
import { HeraldProcess } from '../helpers/child.js';
import { freshDatabase, type FreshDatabase } from '../helpers/databases.js';
import { NATS_URL } from '../helpers/services.js';
import { api, type TestServer, type TestUser } from '../helpers/server.js';
import { destroyPresenceBuckets } from '../../src/bus/nats-presence.js';
import { MqttRecorder } from '../e2e/mqtt-harness.js';
import { StompTestClient } from '../e2e/stomp-client.js';

export interface ClusterOptions {
  nodes: number;
  /** Extra HERALD_* variables for every node. */
  env?: Record<string, string>;
  /** NATS server URL (default: the machine's). */
  natsUrl?: string;
}

export class HeraldCluster {
  private constructor(
    readonly nodes: HeraldProcess[],
    readonly db: FreshDatabase,
    readonly prefix: string,
    private readonly natsUrl: string,
  ) {}

  static async start(o: ClusterOptions): Promise<HeraldCluster> {
    const db = await freshDatabase('herald_cluster');
    const prefix = `herald_ct_${randomBytes(4).toString('hex')}`;
    const natsUrl = o.natsUrl ?? NATS_URL;
    const env = {
      HERALD_DATABASE_URL: db.url,
      HERALD_NATS_URL: natsUrl,
      HERALD_NATS_PREFIX: prefix,
      HERALD_PRESENCE_LEASE_SECONDS: '2',
      HERALD_HEAD_CHECK_MS: '250',
      ...o.env,
    };
    const nodes: HeraldProcess[] = [];
    try {
      // The first node runs the migrations; the others start together once the schema is there.
      nodes.push(await HeraldProcess.start({ env }));
      nodes.push(...(await Promise.all(Array.from({ length: o.nodes - 1 }, () => HeraldProcess.start({ env })))));
    } catch (err) {
      await Promise.all(nodes.map((n) => n.kill9()));
      await db.drop();
      throw err;
    }
    return new HeraldCluster(nodes, db, prefix, natsUrl);
  }

  node(i: number): HeraldProcess {
    return this.nodes[i];
  }

  /** Log lines at error level of the nodes still running (a killed node's last words are not checked). */
  errors(): string[] {
    return this.nodes.filter((n) => n.running).flatMap((n, i) => n.errors().map((l) => `node ${i}: ${JSON.stringify(l)}`));
  }

  /** Every position in the shared log, ascending (read straight from PostgreSQL). */
  async positions(): Promise<number[]> {
    const c = new pg.Client({ connectionString: this.db.url });
    await c.connect();
    try {
      const r = await c.query<{ id: string }>('select id from events order by id');
      return r.rows.map((x) => Number(x.id));
    } finally {
      await c.end();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.db.drop().catch(() => undefined);
    const nc = await connect({ servers: this.natsUrl, timeout: 2000 }).catch(() => null);
    if (nc) {
      await destroyPresenceBuckets(nc, this.prefix);
      await nc.close();
    }
  }
}

/** Just enough of a TestServer for the e2e clients that only read `url` and `port`. */
export const at = (node: HeraldProcess): TestServer => ({ url: node.url, port: node.port }) as unknown as TestServer;

/** A Dino (MQTT 5 over WebSocket, `/mqtt`) client of `user` on `node`. */
export async function mqttClient(node: HeraldProcess, user: TestUser, opts: mqtt.IClientOptions = {}): Promise<MqttRecorder> {
  const client = mqtt.connect(`ws://127.0.0.1:${node.port}/mqtt`, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, username: user.username, password: user.token, ...opts });
  const rec = new MqttRecorder(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', (p) => {
      rec.connack = { sessionPresent: p.sessionPresent, reasonCode: p.reasonCode };
      resolve();
    });
    client.once('error', (e) => {
      client.end(true);
      reject(e);
    });
  });
  return rec;
}

export function stompClient(node: HeraldProcess, user: TestUser): Promise<StompTestClient> {
  return StompTestClient.connect(at(node), user);
}

export async function group(base: string, owner: TestUser, members: TestUser[], name: string): Promise<number> {
  const r = await api<{ space: { id: number } }>(base, 'POST', '/api/v1/spaces', owner.token, { name, member_ids: members.map((m) => m.id) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.space.id;
}

export interface Posted {
  id: number;
  uuid: string;
  content: string;
}

export async function post(base: string, author: TestUser, spaceId: number, content: string): Promise<Posted> {
  const r = await api<{ message: Posted }>(base, 'POST', `/api/v1/spaces/${spaceId}/messages`, author.token, { content });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.message;
}

/** Posts until `stop.now`, recording what was acknowledged; a request cut by a dying node ends the loop. */
export async function writer(base: string, author: TestUser, spaceId: number, label: string, acked: Map<number, string>, stop: { now: boolean }): Promise<{ cut: number }> {
  let cut = 0;
  for (let n = 0; !stop.now; n++) {
    const content = `${label}-${n}`;
    try {
      const res = await fetch(`${base}/api/v1/spaces/${spaceId}/messages`, { method: 'POST', headers: { authorization: `Bearer ${author.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ content }) });
      const body = (await res.json()) as { message?: Posted };
      if (res.status === 201 && body.message) acked.set(body.message.id, content);
      else throw new Error(`post refused: ${res.status} ${JSON.stringify(body)}`);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('post refused')) throw err;
      cut++;
      break;
    }
  }
  return { cut };
}
