// Bridge mode: Herald publishes every Dino event to an external MQTT broker (Mosquitto) on the recipient's
// `dino/users/{id}/events`, QoS 1; the events are read back from Mosquitto with mqtt.js. Then, against a
// PRIVATE Mosquitto (a child process on a spare port, never the shared one): events that happen while that
// broker is down, and while Herald itself restarts, arrive once it is back, in order (the bridge resumes
// from its own position).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { newUser, sleep, startTestServer, type TestServer } from '../helpers/server.js';
import { MqttRecorder, eventTopic, group, post } from './mqtt-harness.js';

const SHARED_MOSQUITTO = 'mqtt://127.0.0.1:1883';
const run = `${process.pid}-${Date.now().toString(36)}`;

async function brokerClient(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttRecorder> {
  const client = mqtt.connect(url, { protocolVersion: 5, connectTimeout: 5000, ...opts });
  const rec = new MqttRecorder(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return rec;
}

async function bridged(url: string, dataDir?: string): Promise<TestServer> {
  return startTestServer(dataDir === undefined ? {} : { dataDir }, { HERALD_MQTT_BRIDGE_URL: url, HERALD_MQTT_BRIDGE_CLIENT_ID: `herald-bridge-test-${run}` });
}

test('bridge: every event reaches the external broker on the recipients\' topics, QoS 1, read back with mqtt.js', async () => {
  const srv = await bridged(SHARED_MOSQUITTO);
  try {
    const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
    const reader = await brokerClient(SHARED_MOSQUITTO, { clientId: `reader-${run}` });
    await reader.subscribe([eventTopic(alice), eventTopic(bob)], { qos: 1 });
    const g = await group(srv.url, alice, [bob], 'bridged');
    const m = await post(srv.url, alice, g.id, 'over the bridge');
    // Other runs may share these topics (user ids start at 1 in every fresh database): match by uuid.
    for (const u of [alice, bob]) {
      const ev = await reader.json<Record<string, unknown>>(eventTopic(u), (j) => j.message_id === m.uuid, 10_000);
      assert.deepEqual([ev.event_type, ev.group_id, ev.sender_id, ev.message_payload], ['message', g.uuid, alice.id, 'over the bridge']);
      const grp = await reader.json<Record<string, unknown>>(eventTopic(u), (j) => j.event_type === 'group' && j.group_id === g.uuid, 10_000);
      assert.deepEqual(grp.user_ids, [alice.id, bob.id]);
    }
    const raw = reader.frames.find((f) => f.text.includes(m.uuid))!;
    assert.equal(raw.packet.qos, 1);
    await reader.end();
  } finally {
    await srv.stop();
  }
});

/** A private Mosquitto with persistence, stopped and started by the test. */
class PrivateMosquitto {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'herald-mosquitto-'));
  readonly conf = join(this.dir, 'mosquitto.conf');

  constructor(readonly port: number) {
    writeFileSync(this.conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${this.dir}/`, 'user root', ''].join('\n'));
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn('mosquitto', ['-c', this.conf], { stdio: 'ignore' });
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}`);
      await sleep(50);
    }
    throw new Error('mosquitto did not start');
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    if (c === null || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM'); // saves its persistence file on the way out
    await exited;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.connect(port, '127.0.0.1');
  });
}

async function sparePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('bridge: nothing is lost while the external broker restarts, nor while Herald restarts', { timeout: 60_000 }, async () => {
  const mosq = new PrivateMosquitto(await sparePort());
  await mosq.start();
  const dir = mkdtempSync(join(tmpdir(), 'herald-bridge-'));
  let srv: TestServer | null = await bridged(mosq.url, dir);
  let reader: MqttRecorder | null = null;
  try {
    const [alice, bob] = [await newUser(srv.url, 'alice'), await newUser(srv.url, 'bob')];
    // A persistent subscriber on the external broker (as a Dino app on VerneMQ was).
    reader = await brokerClient(mosq.url, { clientId: `dino-app-${run}`, clean: false, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 100 });
    await reader.subscribe(eventTopic(bob), { qos: 1 });
    const g = await group(srv.url, alice, [bob]);
    const before = await post(srv.url, alice, g.id, 'before the restart');
    await reader.json(eventTopic(bob), (j) => j.message_id === before.uuid, 10_000);

    await mosq.stop();
    const during: string[] = [];
    for (let i = 0; i < 5; i++) during.push((await post(srv.url, alice, g.id, `while the broker is down ${i}`)).uuid);
    await sleep(300);
    await mosq.start();
    for (const id of during) await reader.json(eventTopic(bob), (j) => j.message_id === id, 15_000);

    // Herald restarts while the broker is down; the bridge resumes from the position it kept.
    await mosq.stop();
    const whileHeraldDown = (await post(srv.url, alice, g.id, 'just before Herald stops')).uuid;
    await srv.close();
    srv = await bridged(mosq.url, dir);
    await mosq.start();
    await reader.json(eventTopic(bob), (j) => j.message_id === whileHeraldDown, 15_000);

    const seen = reader.all<{ message_id?: string }>(eventTopic(bob)).map((j) => j.message_id).filter((x): x is string => x !== undefined);
    const expected = [before.uuid, ...during, whileHeraldDown];
    // At least once: a batch cut by the restart may come twice; in order, and nothing missing.
    const firstSeen = expected.map((id) => seen.indexOf(id));
    assert.ok(firstSeen.every((i) => i >= 0), 'every event arrived');
    assert.deepEqual([...firstSeen].sort((a, b) => a - b), firstSeen, 'in order');
  } finally {
    await reader?.client.endAsync(true);
    await srv?.close();
    await mosq.stop();
    mosq.remove();
    rmSync(dir, { recursive: true, force: true });
  }
});
