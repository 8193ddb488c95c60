// DOM helpers for the chat app: small builders, no framework. Text always goes through textContent.
import type { WireMessage, WireSpace } from '@herald/client';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} missing from the page`);
  return e as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function spaceTitle(s: WireSpace, me: number): string {
  if (s.kind === 'direct') {
    const other = s.members.find((m) => m.user.id !== me);
    return other ? other.user.display_name || other.user.username : 'Just you';
  }
  return s.name || `Space ${s.id}`;
}

export interface MessageActions {
  me: number;
  react(m: WireMessage, emoji: string, mine: boolean): void;
  edit(m: WireMessage): void;
  remove(m: WireMessage): void;
  download(fileId: number, name: string): void;
}

const QUICK = ['👍', '🎉', '❤️'];

/** One message as a list item; `deleted` keeps its place with a note so a reader sees what happened. */
export function renderMessage(m: WireMessage, deleted: boolean, a: MessageActions): HTMLLIElement {
  const mine = m.author?.id === a.me;
  const mentioned = !mine && (m.mentions_all || m.mentions.includes(a.me));
  const li = el('li', { class: `msg${mine ? ' mine' : ''}${deleted ? ' deleted' : ''}${mentioned ? ' mention' : ''}`, 'data-id': String(m.id) });
  const who = m.author ? m.author.display_name || m.author.username : 'system';
  li.append(el('div', { class: 'meta' }, el('strong', {}, who), ' ', el('time', { datetime: new Date(m.created_at).toISOString() }, time(m.created_at)), m.is_edited && !deleted ? el('span', { class: 'edited' }, ' (edited)') : ''));
  if (deleted) {
    li.append(el('p', { class: 'body' }, 'This message was deleted.'));
    return li;
  }
  li.append(el('p', { class: 'body' }, m.content));
  if (m.attachments.length) {
    const files = el('ul', { class: 'files', 'aria-label': 'Attachments' });
    for (const f of m.attachments) {
      const b = el('button', { type: 'button', class: 'file' }, `📎 ${f.name} (${Math.max(1, Math.round(f.size / 1024))} KB)`);
      b.addEventListener('click', () => a.download(f.id, f.name));
      files.append(el('li', {}, b));
    }
    li.append(files);
  }
  const counts = new Map<string, { n: number; mine: boolean; names: string[] }>();
  for (const r of m.reactions) {
    const c = counts.get(r.emoji) ?? { n: 0, mine: false, names: [] };
    c.n++;
    c.mine ||= r.user.id === a.me;
    c.names.push(r.user.display_name || r.user.username);
    counts.set(r.emoji, c);
  }
  const bar = el('div', { class: 'reactions' });
  for (const [emoji, c] of counts) {
    const b = el('button', { type: 'button', class: `reaction${c.mine ? ' on' : ''}`, 'aria-pressed': String(c.mine), title: c.names.join(', ') }, `${emoji} ${c.n}`);
    b.addEventListener('click', () => a.react(m, emoji, c.mine));
    bar.append(b);
  }
  for (const emoji of QUICK.filter((e) => !counts.has(e))) {
    const b = el('button', { type: 'button', class: 'reaction add', 'aria-label': `React with ${emoji}` }, emoji);
    b.addEventListener('click', () => a.react(m, emoji, false));
    bar.append(b);
  }
  if (mine) {
    const edit = el('button', { type: 'button', class: 'tool' }, 'Edit');
    edit.addEventListener('click', () => a.edit(m));
    const del = el('button', { type: 'button', class: 'tool' }, 'Delete');
    del.addEventListener('click', () => a.remove(m));
    bar.append(edit, del);
  }
  li.append(bar);
  // Read markers on your own messages: who has read this far.
  const readers = m.read_by.filter((r) => r.user.id !== a.me).map((r) => r.user.display_name || r.user.username);
  if (mine && readers.length) li.append(el('p', { class: 'seen' }, `Seen by ${readers.join(', ')}`));
  return li;
}
