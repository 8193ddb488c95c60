// Fuzzing the MQTT listener with a fixed seed: thousands of random and mutated packets (valid ones made
// by mqtt-packet, then bytes flipped, cut, repeated or replaced), before and after a valid CONNECT, over
// TCP and WebSocket. Throughout, a witness subscriber keeps receiving what a healthy publisher sends:
// the server keeps serving everyone else, and nothing crashes (an uncaught error would end this process).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import WebSocket from 'ws';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { newUser, type TestServer, type TestUser } from '../helpers/server.js';
import { connectMqtt, startMqttServer, type MqttRecorder } from './mqtt-harness.js';

const SEED = 0x5eed_1234;
const CONNECTIONS = 320;
const PACKETS_PER_CONNECTION = 12;
const PARALLEL = 8;

let srv: TestServer;
before(async () => {
  srv = await startMqttServer({ HERALD_MQTT_CONNECT_TIMEOUT_SECONDS: '1' });
});
after(async () => {
  await srv.stop();
});

/** mulberry32: a small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function fuzzer(rand: () => number, user: TestUser) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const topics = ['public/a', 'public/a/b', 'public/+', 'public/#', '#', '+/x', `dino/users/${user.id}/events`, 'dino/users/1/events', 'dino/groups/1/t', '$SYS/x', '', 'a\u0000b', 'public/' + 'x'.repeat(300)];
  const props = () =>
    pick([
      undefined,
      { topicAlias: int(40) },
      { payloadFormatIndicator: rand() < 0.5, messageExpiryInterval: int(5) },
      { userProperties: { k: 'v', r: ['1', '2'] }, correlationData: bytes(4), responseTopic: pick(topics), contentType: 'x' },
      { subscriptionIdentifier: int(3) },
    ]);
  const valid = (): Packet => {
    const id = 1 + int(65_535);
    switch (int(12)) {
      case 0:
        return { cmd: 'connect', protocolId: 'MQTT', protocolVersion: pick([4, 5] as const), clean: rand() < 0.5, clientId: pick(['', 'fz', `fz${int(50)}`]), keepalive: int(3), username: user.username, password: Buffer.from(pick([user.token, 'bad'])), properties: { sessionExpiryInterval: int(5), receiveMaximum: int(5), topicAliasMaximum: int(3) } };
      case 1:
      case 2:
      case 3: {
        const qos = pick([0, 1, 2] as const);
        return { cmd: 'publish', topic: pick(topics), payload: bytes(int(64)), qos, messageId: qos ? id : undefined, retain: rand() < 0.3, dup: false, properties: props() } as Packet;
      }
      case 4:
        return { cmd: 'subscribe', messageId: id, subscriptions: [{ topic: pick(topics), qos: pick([0, 1, 2] as const), nl: rand() < 0.3, rap: rand() < 0.3, rh: int(3) }], properties: rand() < 0.3 ? { subscriptionIdentifier: 1 + int(10) } : undefined };
      case 5:
        return { cmd: 'unsubscribe', messageId: id, unsubscriptions: [pick(topics)] };
      case 6:
        return { cmd: pick(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const), messageId: id, reasonCode: pick([0, 0x10, 0x80, 0x92]) } as Packet;
      case 7:
        return { cmd: 'pingreq' };
      case 8:
        return { cmd: 'disconnect', reasonCode: pick([0, 4, 0x80]), properties: rand() < 0.5 ? { sessionExpiryInterval: int(3) } : undefined };
      case 9:
        return { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } };
      case 10:
        return { cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false };
      default:
        return { cmd: 'suback', messageId: id, granted: [0] };
    }
  };
  const generate = (): Buffer => {
    for (;;) {
      try {
        return mqttPacket.generate(valid(), { protocolVersion: 5 });
      } catch {
        // mqtt-packet refused this combination: draw again
      }
    }
  };
  const mutate = (b: Buffer): Buffer => {
    const out = Buffer.from(b);
    switch (int(6)) {
      case 0: // flip a few bytes
        for (let i = 0, n = 1 + int(3); i < n; i++) out[int(out.length)] = int(256);
        return out;
      case 1: // cut short
        return out.subarray(0, int(out.length));
      case 2: // a huge remaining length
        return Buffer.concat([out.subarray(0, 1), Buffer.from([0xff, 0xff, 0xff, 0x7f]), out.subarray(2)]);
      case 3: // noise
        return bytes(1 + int(40));
      case 4: // repeated
        return Buffer.concat([out, out]);
      default: // intact
        return out;
    }
  };
  const connect = (): Buffer => mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: '', keepalive: 30, username: user.username, password: Buffer.from(user.token) }, { protocolVersion: 5 });
  return { int, rand, generate, mutate, connect };
}

/** Sends one connection's bytes and waits until the server closes it or a short while passes. */
async function shoot(srv: TestServer, chunks: Buffer[], ws: boolean): Promise<void> {
  if (ws) {
    const sock = new WebSocket(`ws://127.0.0.1:${srv.port}/mqtt`, ['mqtt']);
    sock.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      sock.once('open', () => {
        for (const c of chunks) sock.send(c);
        setTimeout(resolve, 20);
      });
      sock.once('close', () => resolve());
    });
    sock.terminate();
    return;
  }
  const s = createConnection({ host: '127.0.0.1', port: srv.tcpPort('mqtt')! });
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => {
    s.once('connect', () => {
      for (const c of chunks) s.write(c);
      setTimeout(resolve, 20);
    });
    s.once('close', () => resolve());
  });
  s.destroy();
}

test(`fuzz: ${CONNECTIONS * PACKETS_PER_CONNECTION} random and mutated packets (seed ${SEED.toString(16)}); the server keeps serving everyone else`, { timeout: 180_000 }, async () => {
  const [user, watcher, speaker] = [await newUser(srv.url, 'fuzzer'), await newUser(srv.url, 'witness'), await newUser(srv.url, 'speaker')];
  const witness: MqttRecorder = await connectMqtt(srv, 'tcp', { username: watcher.username, password: watcher.token });
  await witness.subscribe('public/heartbeat', { qos: 1 });
  const publisher = await connectMqtt(srv, 'ws', { username: speaker.username, password: speaker.token });
  const f = fuzzer(prng(SEED), user);
  let sent = 0;
  let beats = 0;
  let next = 0;
  const runOne = async () => {
    while (next < CONNECTIONS) {
      const i = next++;
      const chunks: Buffer[] = [];
      if (f.rand() < 0.6) chunks.push(f.connect()); // most reach the live state first
      for (let k = 0; k < PACKETS_PER_CONNECTION; k++) chunks.push(f.mutate(f.generate()));
      sent += PACKETS_PER_CONNECTION;
      // Some connections get everything in one write (several packets per chunk), others packet by packet.
      const split = f.rand() < 0.5 ? [Buffer.concat(chunks)] : chunks;
      await shoot(srv, split, i % 4 === 3);
      if (i % 20 === 0) {
        const n = ++beats;
        await publisher.client.publishAsync('public/heartbeat', `beat ${n}`, { qos: 1 });
        await witness.next((m) => m.text === `beat ${n}`, 5000);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, () => runOne()));
  assert.ok(sent >= 3000, `${sent} packets sent`);
  assert.equal(witness.frames.length, beats, 'the witness received every heartbeat, once, throughout');
  assert.ok(!witness.client.disconnecting && witness.client.connected, 'the witness was never disconnected');
  // And the server still accepts and serves new clients.
  const fresh = await connectMqtt(srv, 'tcp', { username: watcher.username, password: watcher.token });
  await fresh.subscribe('public/after', { qos: 1 });
  await publisher.client.publishAsync('public/after', 'still here', { qos: 1 });
  await fresh.next((m) => m.text === 'still here');
  console.log(`mqtt fuzz: ${sent} packets over ${CONNECTIONS} connections, ${beats} heartbeats delivered`);
  await Promise.all([witness.end(), publisher.end(), fresh.end()]);
});
