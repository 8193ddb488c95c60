// Herald's web chat app: everything realtime and REST goes through the SDK (@herald/client), so a network
// drop resumes from the last position and no message is lost or shown twice (messages are keyed by id).
import { AuthError, HeraldClient, HeraldRest, type WireMessage, type WireSpace, type WireUser } from '@herald/client';
import { $, el, renderMessage, spaceTitle, type MessageActions } from './view.js';

const TOKEN_KEY = 'herald.token';
const origin = location.origin;

interface State {
  client: HeraldClient;
  me: WireUser;
  token: string;
  spaces: Map<number, WireSpace>;
  unread: Map<number, number>;
  online: Map<number, boolean>;
  current: number | null;
  messages: Map<number, WireMessage>;
  deleted: Set<number>;
  /** space id → user id → display name and expiry timer. */
  typing: Map<number, Map<number, { name: string; timer: ReturnType<typeof setTimeout> }>>;
  /** message.created events seen per message id (the browser test checks each arrived once). */
  created: Map<number, number>;
}
let st: State | null = null;

function showError(e: unknown): void {
  const box = $('error');
  box.textContent = e instanceof Error ? e.message : String(e);
  setTimeout(() => (box.textContent = ''), 6000);
}

// ---- authentication --------------------------------------------------------------------------------------
function showAuth(message = ''): void {
  $('auth').hidden = false;
  $('chat').hidden = true;
  $('logout').hidden = true;
  $('whoami').textContent = '';
  $('auth-error').textContent = message;
}

async function authForm(form: HTMLFormElement, run: (f: FormData) => Promise<{ token: string }>): Promise<void> {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    run(new FormData(form))
      .then((s) => start(s.token))
      .catch((e: unknown) => ($('auth-error').textContent = e instanceof Error ? e.message : String(e)));
  });
}

const anon = new HeraldRest({ url: origin, token: () => null });
const text = (f: FormData, k: string) => String(f.get(k) ?? '').trim();

// ---- session ---------------------------------------------------------------------------------------------
async function start(token: string): Promise<void> {
  const client = new HeraldClient({ url: origin, token, refreshToken: async () => null });
  let me: WireUser;
  try {
    me = (await client.rest.me()).user;
  } catch (e) {
    localStorage.removeItem(TOKEN_KEY);
    return showAuth(e instanceof Error && 'status' in e && e.status === 401 ? 'Your session ended: log in again.' : String(e));
  }
  localStorage.setItem(TOKEN_KEY, token);
  st = { client, me, token, spaces: new Map(), unread: new Map(), online: new Map([[me.id, true]]), current: null, messages: new Map(), deleted: new Set(), typing: new Map(), created: new Map() };
  (window as unknown as { herald: State }).herald = st;
  $('auth').hidden = true;
  $('chat').hidden = false;
  $('logout').hidden = false;
  $('whoami').textContent = `${me.display_name || me.username} · id ${me.id}`;
  wire(client);
  client.onState((s) => ($('status').textContent = s === 'open' ? 'online' : s === 'reconnecting' || s === 'connecting' ? 'reconnecting…' : s));
  client.onError((e) => {
    if (e instanceof AuthError) showAuth('Your session ended: log in again.');
  });
  client.onReset(async () => reload());
  await reload();
  await client.connect().catch((e: unknown) => showError(e));
}

/** Spaces, unread counts and the open space's messages from REST (at start and after a reset). */
async function reload(): Promise<void> {
  if (!st) return;
  const [{ spaces }, unread] = await Promise.all([st.client.rest.listSpaces(), st.client.rest.unread()]);
  st.spaces = new Map(spaces.map((s) => [s.id, s]));
  st.unread = new Map(unread.spaces.map((u) => [u.space_id, u.unread]));
  renderSpaces();
  if (st.current !== null) await openSpace(st.current);
}

function renderSpaces(): void {
  if (!st) return;
  const s = st;
  const list = $('spaces');
  list.replaceChildren();
  const ordered = [...s.spaces.values()].sort((a, b) => b.last_active_at - a.last_active_at);
  for (const sp of ordered) {
    const n = s.unread.get(sp.id) ?? 0;
    const b = el('button', { type: 'button', class: 'space', 'data-space': String(sp.id) }, el('span', { class: 'name' }, spaceTitle(sp, s.me.id)));
    if (n > 0) b.append(el('span', { class: 'badge', 'aria-label': `${n} unread` }, String(n)));
    if (sp.id === s.current) b.setAttribute('aria-current', 'true');
    // Opening a space by hand moves the focus to the message box (on a phone the list is then hidden).
    b.addEventListener('click', () => void openSpace(sp.id).then(() => $('text').focus(), showError));
    list.append(el('li', {}, b));
  }
  if (!ordered.length) list.append(el('li', { class: 'empty' }, 'No spaces yet: create one below.'));
}

async function openSpace(id: number): Promise<void> {
  if (!st) return;
  const s = st;
  const [{ space }, { messages }] = await Promise.all([s.client.rest.getSpace(id), s.client.rest.listMessages(id, { limit: 100 })]);
  if (s.current !== id) s.deleted.clear();
  s.current = id;
  s.spaces.set(id, space);
  s.messages = new Map(messages.map((m) => [m.id, m]));
  $('room-title').textContent = spaceTitle(space, s.me.id);
  $('composer').hidden = false;
  $('chat').classList.add('room-open');
  $('messages').replaceChildren();
  for (const m of [...messages].sort((a, b) => a.id - b.id)) upsertMessage(m);
  renderTyping();
  renderSpaces();
  // Whether each member is online now; presence events keep it current.
  await Promise.all(space.members.filter((m) => m.user.id !== s.me.id).map(async (m) => s.online.set(m.user.id, (await s.client.rest.call<{ user: { online: boolean } }>('GET', `/api/v1/users/${m.user.id}`)).user.online)));
  renderMembers();
  if ((s.unread.get(id) ?? 0) > 0) await s.client.send('read_all', { space_id: id });
}

function renderMembers(): void {
  const s = st;
  if (!s || s.current === null) return;
  const space = s.spaces.get(s.current);
  $('members').replaceChildren(
    ...(space?.members ?? []).map((m) => {
      const on = s.online.get(m.user.id) ?? false;
      return el('li', { class: `member${on ? ' online' : ''}`, 'data-user': String(m.user.id) }, el('span', { class: 'dot', role: 'img', 'aria-label': on ? 'online' : 'offline' }), m.user.display_name || m.user.username);
    }),
  );
}

const actions: MessageActions = {
  get me() {
    return st?.me.id ?? 0;
  },
  react: (m, emoji, mine) => void st?.client.send(mine ? 'unreact' : 'react', { message_id: m.id, emoji }).catch(showError),
  edit: (m) => {
    const content = prompt('Edit message', m.content);
    if (content !== null && content.trim() && content !== m.content) void st?.client.send('edit', { message_id: m.id, content }).catch(showError);
  },
  remove: (m) => {
    if (confirm('Delete this message?')) void st?.client.send('delete', { message_id: m.id }).catch(showError);
  },
  download: (fileId, name) => void download(fileId, name).catch(showError),
};

/** Adds or replaces one message in the open space, in id order. */
function upsertMessage(m: WireMessage): void {
  if (!st || m.space_id !== st.current) return;
  st.messages.set(m.id, m);
  const list = $('messages');
  const li = renderMessage(m, st.deleted.has(m.id), actions);
  const old = list.querySelector(`li[data-id="${m.id}"]`);
  if (old) return old.replaceWith(li);
  const after = [...list.children].find((c) => Number((c as HTMLElement).dataset.id) > m.id);
  list.insertBefore(li, after ?? null);
  li.scrollIntoView({ block: 'end' });
}

function renderTyping(): void {
  const who = st && st.current !== null ? [...(st.typing.get(st.current)?.values() ?? [])].map((t) => t.name) : [];
  $('typing').textContent = who.length ? `${who.join(', ')} ${who.length > 1 ? 'are' : 'is'} typing…` : '';
}

function setTyping(spaceId: number, user: { id: number; display_name: string; username: string }, on: boolean): void {
  if (!st || user.id === st.me.id) return;
  const bySpace = st.typing.get(spaceId) ?? new Map();
  st.typing.set(spaceId, bySpace);
  clearTimeout(bySpace.get(user.id)?.timer);
  bySpace.delete(user.id);
  // The server sends typing.stopped, but an indicator never outlives a few quiet seconds.
  if (on) bySpace.set(user.id, { name: user.display_name || user.username, timer: setTimeout(() => setTyping(spaceId, user, false), 6000) });
  renderTyping();
}

// ---- realtime events -------------------------------------------------------------------------------------
function wire(c: HeraldClient): void {
  c.on('message.created', (e) => {
    if (!st) return;
    st.created.set(e.data.message.id, (st.created.get(e.data.message.id) ?? 0) + 1);
    const author = e.data.message.author;
    if (author) setTyping(e.data.message.space_id, author, false);
    if (!st.spaces.has(e.data.message.space_id)) void reload().catch(showError);
    upsertMessage(e.data.message);
    if (author?.id === st.me.id) return;
    const sid = e.data.message.space_id;
    if (sid === st.current && document.visibilityState === 'visible') void c.send('read', { message_id: e.data.message.id }).catch(() => undefined);
    else {
      // The server sends unread.updated on reads only: a new message counts here until then.
      st.unread.set(sid, (st.unread.get(sid) ?? 0) + 1);
      renderSpaces();
    }
  });
  c.on('message.updated', (e) => upsertMessage(e.data.message));
  c.on('message.read', (e) => upsertMessage(e.data.message));
  c.on('message.deleted', (e) => {
    st?.deleted.add(e.data.message.id);
    upsertMessage(e.data.message);
  });
  c.on('reaction.added', (e) => upsertMessage(e.data.message));
  c.on('reaction.removed', (e) => upsertMessage(e.data.message));
  c.on('unread.updated', (e) => {
    st?.unread.set(e.data.unread.space_id, e.data.unread.space_unread);
    renderSpaces();
  });
  const spaceChanged = () => void reload().catch(showError);
  for (const t of ['space.created', 'space.updated', 'space.deleted', 'member.added', 'member.removed'] as const) c.on(t, spaceChanged);
  c.on('typing.started', (e) => setTyping(e.data.space_id, e.data.user, true));
  c.on('typing.stopped', (e) => setTyping(e.data.space_id, e.data.user, false));
  c.on('presence.online', (e) => {
    st?.online.set(e.data.user.id, true);
    renderMembers();
  });
  c.on('presence.offline', (e) => {
    st?.online.set(e.data.user.id, false);
    renderMembers();
  });
}

// ---- composing -------------------------------------------------------------------------------------------
let lastTyping = 0;

async function upload(spaceId: number, file: File): Promise<number> {
  if (!st) throw new Error('not logged in');
  const body = new FormData();
  body.append('file', file, file.name);
  const res = await fetch(`/api/v1/spaces/${spaceId}/files`, { method: 'POST', headers: { authorization: `Bearer ${st.token}` }, body });
  const json = (await res.json()) as { file?: { id: number }; title?: string };
  if (!res.ok || !json.file) throw new Error(json.title ?? `upload failed (${res.status})`);
  return json.file.id;
}

async function download(fileId: number, name: string): Promise<void> {
  if (!st) return;
  // The download needs the bearer header, so it goes through fetch and a temporary object URL.
  const res = await fetch(`/api/v1/files/${fileId}`, { headers: { authorization: `Bearer ${st.token}` } });
  if (!res.ok) throw new Error(`download failed (${res.status})`);
  const url = URL.createObjectURL(await res.blob());
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function send(): Promise<void> {
  if (!st || st.current === null) return;
  const box = $<HTMLTextAreaElement>('text');
  const fileInput = $<HTMLInputElement>('file');
  const file = fileInput.files?.[0];
  const content = box.value.trim();
  if (!content && !file) return;
  const spaceId = st.current;
  const attachment_ids = file ? [await upload(spaceId, file)] : undefined;
  box.value = '';
  fileInput.value = '';
  lastTyping = 0;
  const { message } = await st.client.send('post', { space_id: spaceId, content: content || (file ? file.name : ''), attachment_ids });
  upsertMessage(message);
}

function setup(): void {
  void authForm($<HTMLFormElement>('login-form'), (f) => {
    const login = text(f, 'login');
    return anon.login({ ...(login.includes('@') ? { email: login } : { username: login }), password: String(f.get('password') ?? '') });
  });
  void authForm($<HTMLFormElement>('signup-form'), (f) =>
    anon.register({ email: text(f, 'email'), password: String(f.get('password') ?? ''), ...(text(f, 'username') ? { username: text(f, 'username') } : {}), ...(text(f, 'display_name') ? { display_name: text(f, 'display_name') } : {}) }),
  );
  $('logout').addEventListener('click', () => {
    const s = st;
    st = null;
    localStorage.removeItem(TOKEN_KEY);
    void s?.client.rest.logout().catch(() => undefined).finally(() => s.client.close());
    showAuth();
  });
  $('back').addEventListener('click', () => $('chat').classList.remove('room-open'));
  const composer = $<HTMLFormElement>('composer');
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void send().catch(showError);
  });
  const box = $<HTMLTextAreaElement>('text');
  box.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  box.addEventListener('input', () => {
    // At most one typing command every 3 s while the user types.
    if (!st || st.current === null || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    void st.client.send('typing', { space_id: st.current }).catch(() => undefined);
  });
  const newSpace = $<HTMLFormElement>('new-space');
  newSpace.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!st) return;
    const f = new FormData(newSpace);
    const kind = f.get('kind') === 'direct' ? 'direct' : 'multi';
    const member_ids = text(f, 'members').split(/[\s,]+/).filter(Boolean).map(Number);
    const name = text(f, 'name');
    void st.client.rest
      .createSpace({ kind, member_ids, ...(kind === 'multi' && name ? { name } : {}) })
      .then(async ({ space }) => {
        newSpace.reset();
        st?.spaces.set(space.id, space);
        await openSpace(space.id);
      })
      .catch(showError);
  });
  const saved = localStorage.getItem(TOKEN_KEY);
  if (saved) void start(saved);
  else showAuth();
}

setup();
