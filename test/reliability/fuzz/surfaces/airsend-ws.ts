// AirSend RTM frames after ws_auth: the document's commands with generated then mutated fields, hostile
// command names, garbage, binary, invalid UTF-8 and oversized frames. Each frame is followed by ws_ping:
// the pong (or a 4004/4005 close for a bad frame) proves the frame was handled without an internal error.
import type { Rng } from '../../../helpers/rng.js';
import { WsClient, isRefused } from '../../../helpers/realtime.js';
import { WEIRD_STRINGS, type Surface, type Target, type Tally } from '../harness.js';
import { describe, mixFrame, sendPayload, verdict, type WsPayload } from '../ws.js';

const COMMANDS = ['ws_ephemeral_typing', 'ws_read_notification', 'ws_all_read_notification', 'ws_add_reaction', 'ws_remove_reaction', 'ws_ping', 'ws_auth', 'constructor', '__proto__', 'toString', 'chat.postMessage', ''];

/** rtm.connect then ws_auth, as an AirSend client does; the connection is ready once ws_ping is answered. */
export async function airsendSession(t: Target, tally: Tally): Promise<WsClient | null> {
  const res = await fetch(`${t.base}/api/v1/rtm.connect`, { method: 'POST', headers: { authorization: `Bearer ${t.token()}` } });
  const body = (await res.json()) as { rtm?: { ws_endpoint: string; ws_token: string } };
  if (res.status !== 200 || !body.rtm) {
    tally.fail(`rtm.connect: ${res.status} ${JSON.stringify(body)}`);
    await t.repair();
    return null;
  }
  const c = await WsClient.open(body.rtm.ws_endpoint);
  if (isRefused(c)) {
    tally.fail(`AirSend WebSocket refused: ${c.status}`);
    return null;
  }
  c.sendJson({ command: 'ws_auth', auth_token: body.rtm.ws_token });
  c.sendJson({ command: 'ws_ping' });
  await c.next((f) => f.event === 'pong');
  return c;
}

function id(t: Target, rng: Rng, kind: 'space' | 'message'): unknown {
  if (rng.chance(0.7)) return rng.chance(0.5) ? t.ids[kind] : String(t.ids[kind]);
  return rng.pick([0, -1, '01', '1e3', 2 ** 53, 'abc', '', null, 1.5, '9'.repeat(30)]);
}

function frame(t: Target, rng: Rng): WsPayload {
  const command = rng.pick(COMMANDS);
  const f: Record<string, unknown> = { command };
  if (rng.chance(0.8)) f.channel_id = id(t, rng, 'space');
  if (/read_notification|reaction/.test(command) || rng.chance(0.2)) f.message_id = id(t, rng, 'message');
  if (/reaction/.test(command)) f.emoji_value = rng.pick(['U 1F600', '👍', ...WEIRD_STRINGS.slice(0, 12)]);
  if (command === 'ws_auth') f.auth_token = rng.pick(['x', 'a.b.c', t.token(), '']);
  return mixFrame(f, rng);
}

export const surface: Surface = {
  name: 'airsend-ws',
  budget: 500,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    let c: WsClient | null = null;
    for (let i = 0; i < budget; i++) {
      c ??= await airsendSession(t, tally);
      if (c === null) continue;
      const conn = c;
      const p = frame(t, rng);
      tally.cases++;
      const pongs = conn.frames.filter((f) => f.event === 'pong').length;
      sendPayload(conn, p);
      conn.sendJson({ command: 'ws_ping' });
      const answered = () => conn.frames.filter((f) => f.event === 'pong').length > pongs;
      if (await verdict(conn, answered, tally, describe(p))) tally.saw('handled');
      else c = null;
      if (conn.frames.length > 200) conn.frames.splice(0, conn.frames.length);
    }
    if (c) await c.close();
  },
};
