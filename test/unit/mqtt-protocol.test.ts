// The MQTT protocol session with a fake connection: its states, and each refusal's reason code and
// reason string (CONNACK 0x84 / 0x86 / 0x87 / 0x8C, 3.1.1 return codes, DISCONNECT 0x81 malformed, 0x82
// protocol error, 0x93 Receive Maximum, 0x94 topic alias, 0x95 packet too large, 0x99 payload format,
// 0x8D keep alive); only the offending connection closes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqttPacket, { type IConnackPacket, type IConnectPacket, type IDisconnectPacket, type Packet } from 'mqtt-packet';
import { FakeConnection, fakeWorld, until } from '../helpers/fakes.js';
import { Broker, MemoryBrokerStore, NamespaceTable } from '../../src/broker/index.js';
import { MqttSession } from '../../src/dialects/dino/protocol.js';
import { DinoFrames } from '../../src/dialects/dino/renderer.js';
import { BrokerFrames } from '../../src/dialects/dino/broker-frames.js';
import { LocalSessions } from '../../src/dialects/dino/local-sessions.js';
import { DINO_NAMESPACES } from '../../src/dialects/dino/topics.js';
import type { MqttDeps, MqttSettings } from '../../src/dialects/dino/session-context.js';

const SETTINGS: MqttSettings = { maxPacketSize: 4096, receiveMaximum: 2, topicAliasMaximum: 4, maxKeepAliveSeconds: 60, connectTimeoutSeconds: 5 };

function setup(settings: Partial<MqttSettings> = {}) {
  const world = fakeWorld();
  world.tokens.set('good-token', 7);
  const resolver = new NamespaceTable([...DINO_NAMESPACES, { name: 'public', pattern: 'public/#', kind: 'broker', access: 'public' }], () => false);
  const host = { ...world.host, broker: { core: new Broker({ store: new MemoryBrokerStore(), acl: resolver }), resolver } };
  const deps: MqttDeps = { host, frames: new DinoFrames(), messages: new BrokerFrames(), sessions: new LocalSessions(), settings: { ...SETTINGS, ...settings } };
  const conn = new FakeConnection('tcp');
  const session = new MqttSession(deps, conn);
  return { conn, session, world };
}

/** What the server sent, parsed back with mqtt-packet. */
function received(conn: FakeConnection, version: 4 | 5 = 5): Packet[] {
  const out: Packet[] = [];
  const parser = mqttPacket.parser({ protocolVersion: version });
  parser.on('packet', (p: Packet) => out.push(p));
  for (const s of conn.sent) parser.parse(s.bytes);
  return out;
}

const send = (conn: FakeConnection, p: Packet, version: 4 | 5 = 5) => conn.receiveBytes(mqttPacket.generate(p, { protocolVersion: version }));

const connect = (o: Partial<IConnectPacket> = {}): IConnectPacket => ({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clean: true, clientId: 'c1', keepalive: 30, username: 'u7', password: Buffer.from('good-token'), ...o });

async function live(settings: Partial<MqttSettings> = {}, o: Partial<IConnectPacket> = {}) {
  const s = setup(settings);
  send(s.conn, connect(o), (o.protocolVersion ?? 5) as 4 | 5);
  await until(() => s.session.state === 'live' || s.conn.closed);
  assert.equal(s.session.state, 'live');
  return s;
}

async function disconnectOf(conn: FakeConnection): Promise<IDisconnectPacket> {
  await until(() => conn.closed);
  const d = received(conn).find((p) => p.cmd === 'disconnect') as IDisconnectPacket | undefined;
  assert.ok(d, `no DISCONNECT in ${JSON.stringify(received(conn).map((p) => p.cmd))}`);
  return d;
}

async function connackOf(conn: FakeConnection, version: 4 | 5 = 5): Promise<IConnackPacket> {
  await until(() => conn.closed || received(conn, version).some((p) => p.cmd === 'connack'));
  return received(conn, version).find((p) => p.cmd === 'connack') as IConnackPacket;
}

describe('MQTT session states', () => {
  test('awaiting_connect → connecting → live → closed', async () => {
    const { conn, session } = setup();
    assert.equal(session.state, 'awaiting_connect');
    send(conn, connect());
    assert.equal(session.state, 'connecting');
    await until(() => session.state === 'live');
    const ack = await connackOf(conn);
    assert.deepEqual([ack.reasonCode, ack.sessionPresent], [0, false]);
    assert.equal(ack.properties?.receiveMaximum, 2);
    assert.equal(ack.properties?.maximumPacketSize, 4096);
    send(conn, { cmd: 'pingreq' });
    await until(() => received(conn).some((p) => p.cmd === 'pingresp'));
    send(conn, { cmd: 'disconnect', reasonCode: 0 });
    await until(() => conn.closed);
    assert.equal(session.state, 'closed');
  });

  test('a first packet other than CONNECT closes the connection without an answer', async () => {
    const { conn, session } = setup();
    send(conn, { cmd: 'pingreq' });
    await until(() => conn.closed);
    assert.equal(session.state, 'closed');
    assert.deepEqual(received(conn), []);
  });

  test('packets sent while CONNECT is being checked are handled after CONNACK, in order', async () => {
    const { conn } = setup();
    conn.receiveBytes(Buffer.concat([mqttPacket.generate(connect(), { protocolVersion: 5 }), mqttPacket.generate({ cmd: 'pingreq' }, { protocolVersion: 5 })]));
    await until(() => received(conn).some((p) => p.cmd === 'pingresp'));
    assert.deepEqual(received(conn).map((p) => p.cmd), ['connack', 'pingresp']);
  });
});

describe('CONNECT refusals (CONNACK reason code and reason string)', () => {
  test('bad token: 0x86; 3.1.1: return code 4', async () => {
    for (const version of [5, 4] as const) {
      const { conn } = setup();
      send(conn, connect({ protocolVersion: version, password: Buffer.from('bad') }), version);
      const ack = await connackOf(conn, version);
      if (version === 5) {
        assert.equal(ack.reasonCode, 0x86);
        assert.match(String(ack.properties?.reasonString), /bad user name or password/);
      } else assert.equal(ack.returnCode, 4);
      await until(() => conn.closed);
    }
  });

  test('no password: 0x87; 3.1.1: return code 5', async () => {
    for (const version of [5, 4] as const) {
      const { conn } = setup();
      send(conn, connect({ protocolVersion: version, password: undefined, username: undefined }), version);
      const ack = await connackOf(conn, version);
      assert.equal(version === 5 ? ack.reasonCode : ack.returnCode, version === 5 ? 0x87 : 5);
    }
  });

  test('enhanced authentication: 0x8C; protocol level 3: return code 1', async () => {
    const a = setup();
    send(a.conn, connect({ properties: { authenticationMethod: 'SCRAM-SHA-1' } }));
    assert.equal((await connackOf(a.conn)).reasonCode, 0x8c);
    const b = setup();
    send(b.conn, connect({ protocolId: 'MQIsdp', protocolVersion: 3 }), 4);
    assert.equal((await connackOf(b.conn, 4)).returnCode, 1);
  });

  test('3.1.1 with an empty client id and Clean Session 0: return code 2', async () => {
    const { conn } = setup();
    // mqtt-packet will not generate it: clear the Clean Session flag (0x02) of a generated CONNECT by hand.
    const bytes = mqttPacket.generate(connect({ protocolVersion: 4, clientId: '' }), { protocolVersion: 4 });
    assert.equal(bytes[9] & 0x02, 0x02);
    bytes[9] &= ~0x02;
    conn.receiveBytes(bytes);
    assert.equal((await connackOf(conn, 4)).returnCode, 2);
  });
});

describe('protocol violations: DISCONNECT with the reason code, only this connection closes', () => {
  test('malformed bytes: 0x81', async () => {
    const { conn } = await live();
    const other = await live();
    conn.receiveBytes(Buffer.from([0x30, 0x03, 0xff, 0xff, 0x00])); // PUBLISH whose topic length runs past the packet
    assert.equal((await disconnectOf(conn)).reasonCode, 0x81);
    send(other.conn, { cmd: 'pingreq' });
    await until(() => received(other.conn).some((p) => p.cmd === 'pingresp'));
    assert.equal(other.conn.closed, false);
  });

  test('a second CONNECT: 0x82; a packet only servers send: 0x82', async () => {
    const a = await live();
    send(a.conn, connect());
    const d = await disconnectOf(a.conn);
    assert.equal(d.reasonCode, 0x82);
    assert.match(String(d.properties?.reasonString), /second CONNECT/);
    const b = await live();
    send(b.conn, { cmd: 'suback', messageId: 1, granted: [0] });
    assert.equal((await disconnectOf(b.conn)).reasonCode, 0x82);
  });

  test("a packet over the server's Maximum Packet Size: 0x95, as soon as its length is announced", async () => {
    const { conn } = await live({ maxPacketSize: 256 });
    conn.receiveBytes(Buffer.from([0x30, 0x80, 0x08])); // PUBLISH announcing 1,024 bytes; none of them sent
    assert.equal((await disconnectOf(conn)).reasonCode, 0x95);
  });

  test("more QoS 1 PUBLISHes unacknowledged than the server's Receive Maximum: 0x93", async () => {
    const { conn } = await live({ receiveMaximum: 2 });
    const pub = (id: number) => mqttPacket.generate({ cmd: 'publish', topic: 'public/x', payload: Buffer.from('p'), qos: 1, messageId: id, retain: false, dup: false }, { protocolVersion: 5 });
    conn.receiveBytes(Buffer.concat([pub(1), pub(2), pub(3)]));
    assert.equal((await disconnectOf(conn)).reasonCode, 0x93);
  });

  test('topic alias 0 or above the maximum: 0x94; an alias never set: 0x82', async () => {
    const a = await live();
    send(a.conn, { cmd: 'publish', topic: 'public/x', payload: Buffer.from('p'), qos: 0, retain: false, dup: false, properties: { topicAlias: 5 } });
    assert.equal((await disconnectOf(a.conn)).reasonCode, 0x94);
    const b = await live();
    send(b.conn, { cmd: 'publish', topic: '', payload: Buffer.from('p'), qos: 0, retain: false, dup: false, properties: { topicAlias: 2 } });
    assert.equal((await disconnectOf(b.conn)).reasonCode, 0x82);
  });

  test('Payload Format Indicator 1 with invalid UTF-8: PUBACK 0x99 (QoS 1), DISCONNECT 0x99 (QoS 0)', async () => {
    const a = await live();
    const bad = Buffer.from([0xc3, 0x28]);
    send(a.conn, { cmd: 'publish', topic: 'public/x', payload: bad, qos: 1, messageId: 3, retain: false, dup: false, properties: { payloadFormatIndicator: true } });
    await until(() => received(a.conn).some((p) => p.cmd === 'puback'));
    const ack = received(a.conn).find((p) => p.cmd === 'puback') as { reasonCode?: number; properties?: { reasonString?: string } };
    assert.equal(ack.reasonCode, 0x99);
    assert.match(String(ack.properties?.reasonString), /UTF-8/);
    send(a.conn, { cmd: 'publish', topic: 'public/x', payload: bad, qos: 0, retain: false, dup: false, properties: { payloadFormatIndicator: true } });
    assert.equal((await disconnectOf(a.conn)).reasonCode, 0x99);
  });

  test('DISCONNECT raising the Session Expiry Interval from 0: 0x82', async () => {
    const { conn } = await live();
    send(conn, { cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    assert.equal((await disconnectOf(conn)).reasonCode, 0x82);
  });

  test('no packet within 1.5 × Keep Alive: 0x8D', async () => {
    const { conn } = await live({}, { keepalive: 1 });
    const started = Date.now();
    assert.equal((await disconnectOf(conn)).reasonCode, 0x8d);
    assert.ok(Date.now() - started >= 1400, 'not before 1.5 s');
  });

  test('publishing on an event topic: PUBACK 0x87; subscribing to another user: SUBACK 0x87 with a reason string', async () => {
    const { conn } = await live();
    send(conn, { cmd: 'publish', topic: 'dino/users/7/events', payload: Buffer.from('{}'), qos: 1, messageId: 9, retain: false, dup: false });
    send(conn, { cmd: 'subscribe', messageId: 10, subscriptions: [{ topic: 'dino/users/8/events', qos: 1 }, { topic: 'dino/users/7/events', qos: 2 }] });
    await until(() => received(conn).some((p) => p.cmd === 'suback'));
    const puback = received(conn).find((p) => p.cmd === 'puback') as { reasonCode?: number };
    assert.equal(puback.reasonCode, 0x87);
    const suback = received(conn).find((p) => p.cmd === 'suback') as { granted: number[]; properties?: { reasonString?: string } };
    assert.deepEqual(suback.granted, [0x87, 1], 'own topic granted at QoS 1 (events are never QoS 2)');
    assert.match(String(suback.properties?.reasonString), /dino\/users\/8\/events/);
  });
});
