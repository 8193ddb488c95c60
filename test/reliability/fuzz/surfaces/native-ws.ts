// Native WebSocket frames (/api/v1/ws): command envelopes with every known and some hostile command names,
// data generated for the command then mutated, textual garbage, binary, invalid UTF-8 and oversized
// frames. Every frame must get command.ack / command.error without `internal`, or a protocol close.
import type { Rng } from '../../../helpers/rng.js';
import { WsClient, isRefused } from '../../../helpers/realtime.js';
import { idFor, WEIRD_STRINGS, type Surface, type Target, type Tally } from '../harness.js';
import { describe, mixFrame, sendPayload, verdict, type WsPayload } from '../ws.js';

const NAMES = ['typing', 'read', 'read_all', 'react', 'unreact', 'ping', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'typing.start', 'reads.mark', 'subscribe', ''];

function envelope(t: Target, rng: Rng, i: number): Record<string, unknown> {
  const type = rng.pick(NAMES);
  const users = [t.alice, t.bob, t.carol];
  const data: Record<string, unknown> = {};
  if (/typing|read_all/.test(type) || rng.chance(0.2)) data.space_id = idFor('space_id', t.ids, users, rng);
  if (/read$|react/.test(type) || rng.chance(0.2)) data.message_id = idFor('message_id', t.ids, users, rng);
  if (/react/.test(type)) data.emoji = rng.pick(['U 1F600', '👍', ...WEIRD_STRINGS.slice(0, 10)]);
  return { type, request_id: rng.chance(0.9) ? `r${i}` : rng.pick([i, null, 1.5, 'x'.repeat(200), {}]), data };
}

const frame = (t: Target, rng: Rng, i: number): WsPayload => mixFrame(envelope(t, rng, i), rng);

export const surface: Surface = {
  name: 'native-ws',
  budget: 1200,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    let c: WsClient | null = null;
    for (let i = 0; i < budget; i++) {
      if (c === null || !c.open) {
        const opened = await WsClient.open(`${t.wsBase}/api/v1/ws`, { authorization: `Bearer ${t.token()}` });
        if (isRefused(opened)) {
          tally.fail(`native WebSocket refused: ${opened.status} ${opened.body}`);
          await t.repair();
          continue;
        }
        c = opened;
        await c.next((f) => f.type === 'session.welcome');
      }
      const p = frame(t, rng, i);
      tally.cases++;
      const conn = c;
      const answers = conn.frames.filter((f) => f.type === 'command.ack' || f.type === 'command.error').length;
      sendPayload(conn, p);
      const answered = () => {
        const got = conn.frames.filter((f) => f.type === 'command.ack' || f.type === 'command.error');
        if (got.length <= answers) return false;
        for (const f of got.slice(answers)) {
          const code = (f.data as { code?: string }).code;
          tally.saw(f.type === 'command.ack' ? 'ack' : `error ${code}`);
          if (code === 'internal' || (code === undefined && f.type === 'command.error')) tally.fail(`command.error ${JSON.stringify(f.data).slice(0, 200)} for ${describe(p)}`);
        }
        return true;
      };
      if (!(await verdict(conn, answered, tally, describe(p)))) c = null;
      // Keep the client's record small: only the answers since the last frame matter.
      if (conn.frames.length > 200) conn.frames.splice(0, conn.frames.length);
    }
    if (c) await c.close();
  },
};
