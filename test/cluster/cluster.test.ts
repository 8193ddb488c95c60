// Three Herald processes on one PostgreSQL database and one NATS server, with real clients of three
// dialects spread over them (native WebSocket with `ws`, Dino MQTT 5 with mqtt.js, Tracim Live Messages
// with `eventsource`) plus STOMP with @stomp/stompjs for the broker: delivery, presence and typing
// across nodes, exact resume on another node, writers on every node, broker topics across nodes, and a
// node killed with SIGKILL under load. Skipped with the reason when PostgreSQL or NATS is missing
// (failing under CI=true).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NativeClient, api, newUser, sleep, type Frame, type TestUser } from '../helpers/server.js';
import { requireServices } from '../helpers/services.js';
import { TlmClient } from '../e2e/tracim-helpers.js';
import { HeraldCluster, group, mqttClient, post, stompClient, writer, type Posted } from './harness.js';

const skip = await requireServices('postgres', 'nats');

const created = (frames: Frame[], spaceId?: number) =>
  frames.filter((f) => f.type === 'message.created' && (spaceId === undefined || (f.data.message as { space_id: number }).space_id === spaceId));
const messageIds = (frames: Frame[]) => frames.map((f) => (f.data.message as { id: number }).id);
const lastPosition = (c: NativeClient) => Math.max(0, ...c.frames.filter((f) => f.id !== null).map((f) => f.id!));
const isAbout = (type: string, userId: number) => (f: Frame) => f.type === type && (f.data.user as { id: number }).id === userId;
const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/** Every message of a space, oldest first (REST, paged). */
async function stored(base: string, user: TestUser, spaceId: number): Promise<{ id: number; content: string }[]> {
  const out: { id: number; content: string }[] = [];
  for (let before: number | null = null; ; ) {
    const r: { status: number; body: { messages: { id: number; content: string }[] } } = await api(base, 'GET', `/api/v1/spaces/${spaceId}/messages?limit=200${before ? `&before=${before}` : ''}`, user.token);
    assert.equal(r.status, 200);
    out.push(...r.body.messages);
    if (r.body.messages.length < 200) break;
    before = r.body.messages[r.body.messages.length - 1].id;
  }
  return out.sort((x, y) => x.id - y.id);
}

describe('cluster: three nodes on PostgreSQL and NATS', { skip, timeout: 90_000 }, () => {
  let cl: HeraldCluster;
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser, erin: TestUser, frank: TestUser;
  let sid: number;
  const url = (i: number) => cl.node(i).url;
  const open: { close(): unknown }[] = [];
  const keep = <T extends { close(): unknown }>(c: T): T => (open.push(c), c);

  before(async () => {
    cl = await HeraldCluster.start({ nodes: 3 });
    [alice, bob, carol, dave, erin, frank] = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((n, i) => newUser(url(i % 3), n)));
    sid = await group(url(0), alice, [bob, carol, dave, erin, frank], 'cluster');
  });

  after(async () => {
    for (const c of open) await (async () => c.close())().catch(() => undefined);
    await cl?.stop();
  });

  test('an event committed on one node reaches clients of every dialect on the others', async () => {
    const wa = keep(await NativeClient.connect(url(0), alice.token));
    const mb = await mqttClient(cl.node(1), bob);
    keep({ close: () => mb.end() });
    await mb.subscribe(`dino/users/${bob.id}/events`);
    const tc = keep(await TlmClient.open(url(2), carol.id, carol.token));

    const m = await post(url(2), carol, sid, 'hello from node 3');
    const f = await wa.next((x) => x.type === 'message.created' && (x.data.message as Posted).id === m.id);
    assert.equal((f.data.message as Posted).content, 'hello from node 3');
    const d = await mb.json(`dino/users/${bob.id}/events`, (j) => j.event_type === 'message' && j.message_id === m.uuid);
    assert.deepEqual([d.message_payload, d.sender_id], ['hello from node 3', carol.id]);

    assert.equal((await api(url(0), 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'renamed on node 1' })).status, 200);
    const t = await tc.next((x) => x.event_type === 'workspace.modified');
    assert.equal(t.fields.workspace.label, 'renamed on node 1');
    await wa.next((x) => x.type === 'space.updated');
  });

  test('presence and typing across nodes: online once, typing relayed, offline once after the last connection anywhere', async () => {
    const wa = keep(await NativeClient.connect(url(0), alice.token));
    const e1 = await NativeClient.connect(url(1), erin.token);
    await wa.next(isAbout('presence.online', erin.id));
    const e2 = await NativeClient.connect(url(2), erin.token);
    const ack = await e1.command('typing', { space_id: sid });
    assert.equal(ack.type, 'command.ack');
    const typing = await wa.next(isAbout('typing.started', erin.id));
    assert.equal(typing.id, null, 'typing carries no position');
    await e1.close();
    await sleep(400);
    assert.equal(wa.frames.filter(isAbout('presence.offline', erin.id)).length, 0, 'still connected on node 3');
    assert.equal((await api<{ user: { online: boolean } }>(url(1), 'GET', `/api/v1/users/${erin.id}`, alice.token)).body.user.online, true);
    await e2.close();
    await wa.next(isAbout('presence.offline', erin.id));
    await sleep(300);
    assert.equal(wa.frames.filter(isAbout('presence.online', erin.id)).length, 1);
    assert.equal(wa.frames.filter(isAbout('presence.offline', erin.id)).length, 1);
  });

  test('resume on another node: a native client and a Tracim stream miss nothing and repeat nothing', async () => {
    const first = await NativeClient.connect(url(0), alice.token);
    const epoch = (first.frames.find((f) => f.type === 'session.welcome')!.data as { epoch: string }).epoch;
    const mark = await post(url(0), bob, sid, 'before the drop');
    await first.next((x) => x.type === 'message.created' && (x.data.message as Posted).id === mark.id);
    const position = lastPosition(first);
    await first.close();
    const tc = await TlmClient.open(url(2), carol.id, carol.token);
    assert.equal((await api(url(1), 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'tracim mark' })).status, 200);
    const tmark = await tc.next((x) => x.event_type === 'workspace.modified' && x.fields.workspace.label === 'tracim mark');
    tc.close();

    const missed: Posted[] = [];
    for (let i = 0; i < 6; i++) missed.push(await post(url(1 + (i % 2)), i % 2 ? carol : bob, sid, `missed ${i}`));
    for (const name of ['away 1', 'away 2']) assert.equal((await api(url(0), 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name })).status, 200);

    const again = keep(await NativeClient.connect(url(2), alice.token, `?resume=${position}&epoch=${epoch}`));
    const live = await post(url(0), dave, sid, 'live after resume');
    await again.next((x) => x.type === 'message.created' && (x.data.message as Posted).id === live.id);
    assert.equal(again.ofType('session.reset').length, 0);
    assert.deepEqual(messageIds(created(again.frames)), [...missed, live].map((m) => m.id), 'the missed messages once each, in order, then live');
    assert.ok(increasing(again.frames.filter((f) => f.id !== null).map((f) => f.id!)), 'positions strictly increase');

    const back = keep(await TlmClient.open(url(1), carol.id, carol.token, { lastEventId: tmark.event_id }));
    await back.next((x) => x.event_type === 'workspace.modified' && x.fields.workspace.label === 'away 2');
    assert.deepEqual(
      back.ofType('workspace.modified').map((x) => x.fields.workspace.label),
      ['away 1', 'away 2'],
      'Last-Event-ID on another node: what was missed, once',
    );
  });

  test('writers on every node: every node delivers every message once, all in the same (commit) order; positions contiguous', async () => {
    const observers = await Promise.all([0, 1, 2].map(async (i) => keep(await NativeClient.connect(url(i), dave.token))));
    const authors = [alice, bob, carol];
    const acked = new Map<number, string>();
    const PER_WRITER = 12;
    await Promise.all(
      [0, 1, 2].flatMap((node) =>
        [0, 1].map(async (w) => {
          for (let n = 0; n < PER_WRITER; n++) {
            const m = await post(url(node), authors[(node + w) % 3], sid, `n${node}w${w}-${n}`);
            acked.set(m.id, m.content);
          }
        }),
      ),
    );
    assert.equal(acked.size, 3 * 2 * PER_WRITER);
    const want = [...acked.keys()];
    const orders: number[][] = [];
    for (const o of observers) {
      await o.next(() => want.every((id) => created(o.frames).some((f) => (f.data.message as Posted).id === id)), 15_000).catch(() => undefined);
      const got = created(o.frames).map((f) => (f.data.message as Posted).id);
      assert.deepEqual([...got].sort((a, b) => a - b), [...want].sort((a, b) => a - b), 'every acknowledged message, once');
      assert.ok(increasing(created(o.frames).map((f) => f.id!)), 'delivered in position order');
      orders.push(got);
    }
    assert.deepEqual(orders[1], orders[0], 'node 2 delivered in the same order as node 1');
    assert.deepEqual(orders[2], orders[0], 'node 3 delivered in the same order as node 1');
    const positions = await cl.positions();
    assert.deepEqual(positions, Array.from({ length: positions.length }, (_, i) => i + 1), 'log positions 1..head, contiguous');
  });

  test('broker across nodes: MQTT topics and STOMP /topic destinations, retained messages, wills', async () => {
    const sub = await mqttClient(cl.node(0), bob);
    keep({ close: () => sub.end() });
    await sub.subscribe('public/cluster/#', { qos: 1 });
    const pub = await mqttClient(cl.node(2), carol);
    keep({ close: () => pub.end() });
    await pub.client.publishAsync('public/cluster/a', 'mqtt from node 3', { qos: 1 });
    assert.equal((await sub.next((m) => m.topic === 'public/cluster/a')).text, 'mqtt from node 3');

    const ss = await stompClient(cl.node(1), dave);
    keep({ close: () => ss.client.deactivate() });
    const inbox = await ss.subscribe('/topic/public/cluster/b');
    const sp = await stompClient(cl.node(0), erin);
    keep({ close: () => sp.client.deactivate() });
    await sp.send('/topic/public/cluster/b', 'stomp from node 1', { 'content-type': 'text/plain' });
    const got = await inbox.next((m) => m.body === 'stomp from node 1');
    assert.equal(got.headers.destination, '/topic/public/cluster/b');
    assert.equal((await sub.next((m) => m.topic === 'public/cluster/b')).text, 'stomp from node 1', 'a STOMP SEND on node 1 reaches an MQTT subscriber on node 1 and a STOMP one on node 2');
    await pub.client.publishAsync('public/cluster/b', 'mqtt to stomp', { qos: 0 });
    await inbox.next((m) => m.body === 'mqtt to stomp');

    await pub.client.publishAsync('public/cluster/retained', 'kept', { qos: 1, retain: true });
    await sub.next((m) => m.topic === 'public/cluster/retained');
    await sleep(200); // node 2 got the relay about when node 1 did
    const late = await mqttClient(cl.node(1), alice);
    keep({ close: () => late.end() });
    await late.subscribe('public/cluster/retained', { qos: 1 });
    const r = await late.next((m) => m.topic === 'public/cluster/retained');
    assert.deepEqual([r.text, r.packet.retain], ['kept', true], 'a retained message published on node 3 reaches a later subscriber on node 2');

    // A will: the client on node 2 drops without DISCONNECT; node 2 publishes its will; node 1's subscriber gets it.
    const dying = await mqttClient(cl.node(1), dave, { will: { topic: 'public/cluster/will', payload: Buffer.from('dave is gone'), qos: 1, retain: false } });
    dying.client.stream.destroy();
    assert.equal((await sub.next((m) => m.topic === 'public/cluster/will', 5000)).text, 'dave is gone');
    dying.client.end(true);
  });

  test('STOMP queues across nodes: each job to one consumer in the cluster; jobs sent before any consumer wait and follow one', async () => {
    const sender = await stompClient(cl.node(0), alice);
    keep({ close: () => sender.client.deactivate() });
    const w1 = await stompClient(cl.node(1), bob);
    keep({ close: () => w1.client.deactivate() });
    const q1 = await w1.subscribe('/queue/public/cluster-jobs');
    for (let i = 0; i < 3; i++) await sender.send('/queue/public/cluster-jobs', `job ${i}`);
    await q1.next((m) => m.body === 'job 2');
    const w2 = await stompClient(cl.node(2), carol);
    keep({ close: () => w2.client.deactivate() });
    const q2 = await w2.subscribe('/queue/public/cluster-jobs');
    for (let i = 3; i < 9; i++) await sender.send('/queue/public/cluster-jobs', `job ${i}`);
    const all = () => [...q1.frames, ...q2.frames].map((m) => m.body);
    await q1.next(() => all().length >= 9, 5000).catch(() => undefined);
    await sleep(200);
    assert.deepEqual(all().sort(), Array.from({ length: 9 }, (_, i) => `job ${i}`).sort(), 'every job once, on node 2 or node 3');

    for (const j of ['early 1', 'early 2']) await sender.send('/queue/public/cluster-early', j);
    const w3 = await stompClient(cl.node(2), dave);
    keep({ close: () => w3.client.deactivate() });
    const q3 = await w3.subscribe('/queue/public/cluster-early');
    await q3.next((m) => m.body === 'early 2', 5000);
    assert.deepEqual(q3.frames.map((m) => m.body), ['early 1', 'early 2'], 'sent on node 1 before any consumer, delivered in order to the first one, on node 3');
  });

  test('a persistent MQTT session resumes on another node: missed Dino events and queued broker messages arrive', async () => {
    const session = { clientId: `bob-phone-${Date.now()}`, clean: false, properties: { sessionExpiryInterval: 3600 } };
    const events = `dino/users/${bob.id}/events`;
    const first = await mqttClient(cl.node(0), bob, session);
    assert.equal(first.connack?.sessionPresent, false);
    await first.subscribe([events, 'public/persist/#'], { qos: 1 });
    const seen = await post(url(2), alice, sid, 'seen on node 1');
    await first.json(events, (j) => j.message_id === seen.uuid);
    await first.end();

    const away = [await post(url(2), alice, sid, 'missed 1'), await post(url(1), carol, sid, 'missed 2')];
    const pub = await mqttClient(cl.node(2), carol);
    keep({ close: () => pub.end() });
    await pub.client.publishAsync('public/persist/x', 'queued while away', { qos: 1 });
    await sleep(300); // node 1 holds the offline session: it queues the message and writes it to the store

    const again = await mqttClient(cl.node(1), bob, session);
    keep({ close: () => again.end() });
    assert.equal(again.connack?.sessionPresent, true, 'the session is found on node 2');
    for (const m of away) await again.json(events, (j) => j.message_id === m.uuid, 5000);
    assert.equal((await again.next((m) => m.topic === 'public/persist/x', 5000)).text, 'queued while away');
    await pub.client.publishAsync('public/persist/y', 'live on node 2', { qos: 1 });
    await again.next((m) => m.topic === 'public/persist/y');
    await sleep(300);
    assert.equal(again.frames.filter((m) => m.topic === 'public/persist/y').length, 1, 'once: node 1 forgot the session it held');
    const messages = again.all<{ event_type: string; message_id?: string }>(events).filter((j) => j.event_type === 'message');
    assert.ok(!messages.some((j) => j.message_id === seen.uuid), 'the event acknowledged on node 1 is not sent again');
  });

  test('kill -9 of a node under load: no acknowledged write lost, its clients resume on another node, its users go offline once, its MQTT wills are published', async () => {
    const wa = keep(await NativeClient.connect(url(0), alice.token));
    const victim = await NativeClient.connect(url(1), alice.token, '?resume=0');
    const epoch = (victim.frames.find((f) => f.type === 'session.welcome')!.data as { epoch: string }).epoch;
    const frankOnVictim = await NativeClient.connect(url(1), frank.token);
    const tlm = await TlmClient.open(url(1), carol.id, carol.token);
    assert.equal((await api(url(0), 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'before the kill' })).status, 200);
    const lastTlm = await tlm.next((x) => x.event_type === 'workspace.modified' && x.fields.workspace.label === 'before the kill');
    // An MQTT client with a will and a persistent session on the node about to die.
    const willSub = await mqttClient(cl.node(0), erin);
    keep({ close: () => willSub.end() });
    await willSub.subscribe('public/cluster/kill-will', { qos: 1 });
    const will = { topic: 'public/cluster/kill-will', payload: Buffer.from('dave was on node 2'), qos: 1 as const, retain: false };
    const doomed = await mqttClient(cl.node(1), dave, { clientId: `dave-kill-${Date.now()}`, clean: false, properties: { sessionExpiryInterval: 3600 }, will });
    doomed.client.on('error', () => undefined);
    await wa.next(isAbout('presence.online', frank.id));
    const offlineBefore = wa.frames.filter(isAbout('presence.offline', frank.id)).length;

    const acked = new Map<number, string>();
    const stop = { now: false };
    const writers = [0, 1, 2].map((i) => writer(url(i), [bob, carol, dave][i], sid, `kill-n${i}`, acked, stop));
    while (acked.size < 30) await sleep(5);
    await cl.node(1).kill9();
    await sleep(500);
    stop.now = true;
    const results = await Promise.all(writers);
    assert.equal(results[1].cut, 1, 'the writer on the killed node was cut off');
    await victim.closed;
    await frankOnVictim.closed;
    tlm.close(); // EventSource would retry the dead node; a load balancer would send it elsewhere

    // Carol's Tracim stream resumes on node 1 with Last-Event-ID.
    assert.equal((await api(url(2), 'PATCH', `/api/v1/spaces/${sid}`, alice.token, { name: 'after the kill' })).status, 200);
    const tlmBack = keep(await TlmClient.open(url(0), carol.id, carol.token, { lastEventId: lastTlm.event_id }));
    await tlmBack.next((x) => x.event_type === 'workspace.modified' && x.fields.workspace.label === 'after the kill', 5000);
    assert.deepEqual(tlmBack.ofType('workspace.modified').map((x) => x.fields.workspace.label), ['after the kill']);

    // The victim's client resumes on node 3 from its last position.
    const resumed = keep(await NativeClient.connect(url(2), alice.token, `?resume=${lastPosition(victim)}&epoch=${epoch}`));
    const fence = await post(url(0), alice, sid, 'fence');
    await resumed.next((f) => f.type === 'message.created' && (f.data.message as Posted).id === fence.id, 10_000);
    const all = await stored(url(0), alice, sid);
    const byId = new Map(all.map((m) => [m.id, m.content]));
    assert.deepEqual([...acked].filter(([id, content]) => byId.get(id) !== content), [], 'every acknowledged message is stored');
    const seen = [...messageIds(created(victim.frames, sid)), ...messageIds(created(resumed.frames, sid))];
    assert.deepEqual(seen, all.map((m) => m.id), 'before the kill on node 2, then on node 3: every message of the space once, in order');

    // Frank was connected only on the dead node: offline once its lease ran out (2 s), announced once.
    await wa.next((f) => isAbout('presence.offline', frank.id)(f) && wa.frames.filter(isAbout('presence.offline', frank.id)).length > offlineBefore, 8000);
    await sleep(1500);
    assert.equal(wa.frames.filter(isAbout('presence.offline', frank.id)).length, offlineBefore + 1, 'presence.offline exactly once');

    // One live node adopted the dead node's MQTT session and published its will, once.
    assert.equal((await willSub.next((m) => m.topic === 'public/cluster/kill-will', 8000)).text, 'dave was on node 2');
    await sleep(500);
    assert.equal(willSub.frames.filter((m) => m.topic === 'public/cluster/kill-will').length, 1, 'the will once');
    doomed.client.end(true);

    const positions = await cl.positions();
    assert.deepEqual(positions, Array.from({ length: positions.length }, (_, i) => i + 1), 'positions contiguous after the kill');
    assert.deepEqual(cl.errors(), [], 'no error logged by the surviving nodes');
    console.log(`# cluster kill: acked=${acked.size} writers_cut=${results.map((r) => r.cut).join('/')} messages=${all.length} positions=${positions.length}`);
  });
});
