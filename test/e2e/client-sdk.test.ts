// The native protocol as an app developer meets it through @herald/client: log in, list and create
// spaces, chat both ways with typed events and commands, react, read, type, see presence, and pick up
// after being offline from a saved position. Wire shapes are checked as a user of the SDK sees them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HeraldClient, HeraldRest, CommandError, type HeraldEventFrame } from '../../client/src/index.js';
import { newUser, startTestServer, type TestServer, type TestUser } from '../helpers/server.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.stop());

const PASSWORD = 'correct horse battery'; // test/helpers/server.ts newUser

/** Waits for the first event of `c` that matches, recording from now on. */
function next<T extends HeraldEventFrame>(c: HeraldClient, match: (e: HeraldEventFrame) => e is T, ms = 3_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('no matching event'))), ms);
    const off = c.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
const is =
  <K extends HeraldEventFrame['type']>(type: K, where: (e: Extract<HeraldEventFrame, { type: K }>) => boolean = () => true) =>
  (e: HeraldEventFrame): e is Extract<HeraldEventFrame, { type: K }> =>
    e.type === type && where(e as Extract<HeraldEventFrame, { type: K }>);

async function signIn(u: TestUser): Promise<HeraldClient> {
  const session = await new HeraldRest({ url: srv.url, token: () => null }).login({ email: u.email, password: PASSWORD });
  assert.equal(session.user.id, u.id);
  const c = new HeraldClient({ url: srv.url, token: session.token });
  await c.connect();
  return c;
}

test('two users chat through the SDK: group, messages both ways, edit, reaction, read receipt, typing, presence, delete', async () => {
  const [ana, ben] = [await newUser(srv.url, 'ana'), await newUser(srv.url, 'ben')];
  const a = await signIn(ana);
  const b = await signIn(ben);
  try {
    const spaceCreated = next(b, is('space.created'));
    const { space, created } = await a.rest.createSpace({ name: 'Lunch', member_ids: [ben.id] });
    assert.equal(created, true);
    const seenByBen = await spaceCreated;
    assert.equal(seenByBen.data.space.name, 'Lunch');
    assert.deepEqual(seenByBen.data.space.members.map((m) => m.user.id).sort((x, y) => x - y), [ana.id, ben.id].sort((x, y) => x - y));
    assert.ok((await b.rest.listSpaces()).spaces.some((s) => s.id === space.id));

    // Presence: ana's last connection closes (offline), her next one opens (online).
    const offline = next(b, is('presence.offline', (e) => e.data.user.id === ana.id && e.data.space_id === space.id));
    a.close();
    await offline;
    const online = next(b, is('presence.online', (e) => e.data.user.id === ana.id && e.data.space_id === space.id));
    const a2 = await signIn(ana);
    assert.equal((await online).id, null, 'presence is ephemeral: no position');

    const typing = next(b, is('typing.started', (e) => e.data.user.id === ana.id));
    assert.deepEqual(await a2.send('typing', { space_id: space.id }), { delivered: true });
    assert.equal((await typing).data.space_id, space.id);

    const arrives = next(b, is('message.created', (e) => e.data.message.content === 'pizza?'));
    const { message } = await a2.send('post', { space_id: space.id, content: 'pizza?' });
    const ev = await arrives;
    assert.equal(ev.id !== null && ev.id > 0, true);
    assert.equal(ev.data.message.id, message.id);
    assert.equal(ev.data.message.author?.username, ana.username);
    assert.equal(ev.data.space.id, space.id);
    assert.match(ev.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const reply = next(a2, is('message.created', (e) => e.data.message.content === 'yes, 12:30'));
    await b.send('post', { space_id: space.id, content: 'yes, 12:30' });
    const r = await reply;

    const edited = next(b, is('message.updated'));
    await a2.send('edit', { message_id: message.id, content: 'pizza at 12:30?' });
    assert.equal((await edited).data.message.content, 'pizza at 12:30?');
    assert.equal((await edited).data.message.is_edited, true);

    const reaction = next(b, is('reaction.added'));
    await a2.send('react', { message_id: r.data.message.id, emoji: '🍕' });
    assert.equal((await reaction).data.emoji, '🍕');
    assert.equal((await reaction).data.user.id, ana.id);

    const receipt = next(a2, is('message.read', (e) => e.data.user.id === ben.id));
    const unread = await b.send('read', { message_id: message.id });
    assert.equal(unread.space_id, space.id);
    assert.equal((await receipt).data.message.id, message.id);

    const notYours = await b.send('delete', { message_id: message.id }).catch((e: unknown) => e);
    assert.ok(notYours instanceof CommandError && notYours.code === 'forbidden', String(notYours));
    const deleted = next(b, is('message.deleted'));
    assert.deepEqual(await a2.send('delete', { message_id: message.id }), {});
    assert.equal((await deleted).data.message.id, message.id);
    a2.close();
  } finally {
    a.close();
    b.close();
  }
});

test('offline and back: an app that saved its position gets exactly what it missed, once, then live events', async () => {
  const [ana, ben] = [await newUser(srv.url, 'ana'), await newUser(srv.url, 'ben')];
  const a = await signIn(ana);
  const { space } = await a.rest.createSpace({ name: 'Notes', member_ids: [ben.id] });
  const b = await signIn(ben);
  const first = next(b, is('message.created'));
  await a.send('post', { space_id: space.id, content: 'one' });
  await first;
  // What a browser app keeps in localStorage when the tab closes.
  const saved = { position: b.position!, epoch: b.epoch };
  b.close();

  for (const content of ['two', 'three']) await a.send('post', { space_id: space.id, content });
  await a.rest.postMessage(space.id, { content: 'four' });

  const token = (await new HeraldRest({ url: srv.url, token: () => null }).login({ username: ben.username, password: PASSWORD })).token;
  const back = new HeraldClient({ url: srv.url, token, resumeFrom: saved });
  const got: string[] = [];
  back.on('message.created', (e) => got.push(e.data.message.content));
  const resets: string[] = [];
  back.onReset((x) => void resets.push(x.reason));
  await back.connect();
  const live = next(back, is('message.created', (e) => e.data.message.content === 'five'));
  await a.send('post', { space_id: space.id, content: 'five' });
  await live;
  assert.deepEqual(got, ['two', 'three', 'four', 'five']);
  assert.deepEqual(resets, []);
  const page = await back.rest.listMessages(space.id, { limit: 2 });
  assert.deepEqual(page.messages.map((m) => m.content), ['five', 'four'], 'REST lists newest first');
  back.close();
  a.close();
});
