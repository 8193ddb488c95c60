// The operator page: polls GET /api/v1/admin/stats with the server API key every 2 s and draws the last
// two minutes as an inline SVG chart (no chart library). The key stays in sessionStorage (this tab).
import { $, el } from './view.js';

interface Stats {
  at: number;
  connections: { total: number; by: { dialect: string; transport: string; count: number }[] };
  events_total: number;
  deliveries_total: number;
  slow_consumers_total: number;
  resumes: Record<string, number>;
}
interface Sample {
  at: number;
  connections: number;
  deliveriesPerSec: number;
}

const KEY = 'herald.admin-key';
const POINTS = 60;
const samples: Sample[] = [];
let last: Stats | null = null;
let timer: ReturnType<typeof setInterval> | null = null;

const rate = (now: number, before: number, ms: number) => (ms > 0 ? Math.max(0, ((now - before) * 1000) / ms) : 0);
const fmt = (n: number) => (n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, ''));

async function poll(key: string): Promise<void> {
  const res = await fetch('/api/v1/admin/stats', { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) {
    const p = (await res.json().catch(() => ({}))) as { title?: string };
    throw new Error(res.status === 401 || res.status === 403 ? 'That is not the server API key.' : (p.title ?? `HTTP ${res.status}`));
  }
  const s = (await res.json()) as Stats;
  const ms = last ? s.at - last.at : 0;
  const events = last ? rate(s.events_total, last.events_total, ms) : 0;
  const deliveries = last ? rate(s.deliveries_total, last.deliveries_total, ms) : 0;
  last = s;
  samples.push({ at: s.at, connections: s.connections.total, deliveriesPerSec: deliveries });
  if (samples.length > POINTS) samples.shift();
  const resumes = Object.values(s.resumes).reduce((a, b) => a + b, 0);
  $('connections').textContent = String(s.connections.total);
  $('events-rate').textContent = fmt(events);
  $('deliveries-rate').textContent = fmt(deliveries);
  $('slow').textContent = String(s.slow_consumers_total);
  $('resumes').textContent = String(resumes);
  // Every outcome but `ok` is a reset (position_too_old, position_ahead, epoch_mismatch).
  $('resets').textContent = String(resumes - (s.resumes.ok ?? 0));
  $('by-dialect').replaceChildren(
    ...s.connections.by.map((c) => el('tr', {}, el('td', {}, c.dialect), el('td', {}, c.transport), el('td', { class: 'n' }, String(c.count)))),
  );
  if (!s.connections.by.length) $('by-dialect').append(el('tr', {}, el('td', { colspan: '3' }, 'No open connections')));
  draw();
}

/** Two polylines scaled to their own maximum. */
function draw(): void {
  const W = 600;
  const H = 140;
  const line = (pick: (s: Sample) => number, color: string) => {
    const max = Math.max(1, ...samples.map(pick));
    const pts = samples.map((s, i) => `${((i / Math.max(1, samples.length - 1)) * W).toFixed(1)},${(H - 8 - (pick(s) / max) * (H - 24)).toFixed(1)}`).join(' ');
    const p = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    p.setAttribute('points', pts);
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', color);
    p.setAttribute('stroke-width', '2');
    p.setAttribute('vector-effect', 'non-scaling-stroke');
    return p;
  };
  const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
  label.setAttribute('x', '6');
  label.setAttribute('y', '14');
  label.setAttribute('font-size', '12');
  label.setAttribute('fill', '#5b6472');
  label.textContent = `max ${Math.max(0, ...samples.map((s) => s.connections))} conns, ${fmt(Math.max(0, ...samples.map((s) => s.deliveriesPerSec)))} deliveries/s`;
  $('chart').replaceChildren(line((s) => s.connections, '#2f5fd0'), line((s) => s.deliveriesPerSec, '#1f9d55'), label);
}

function begin(key: string): void {
  if (timer) clearInterval(timer);
  const tick = () =>
    poll(key).then(
      () => {
        $('status').textContent = 'live';
        $('live').hidden = false;
        $('key-error').textContent = '';
        sessionStorage.setItem(KEY, key);
      },
      (e: unknown) => {
        $('status').textContent = 'error';
        $('key-error').textContent = e instanceof Error ? e.message : String(e);
        if (e instanceof Error && e.message.startsWith('That is not')) {
          if (timer) clearInterval(timer);
          sessionStorage.removeItem(KEY);
        }
      },
    );
  void tick();
  timer = setInterval(tick, 2000);
}

$<HTMLFormElement>('key-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  samples.length = 0;
  last = null;
  begin($<HTMLInputElement>('key').value.trim());
});
const saved = sessionStorage.getItem(KEY);
if (saved) begin(saved);
