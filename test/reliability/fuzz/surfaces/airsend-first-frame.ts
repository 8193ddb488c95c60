// AirSend RTM before authentication: the first frame on /rtm is anything but a valid ws_auth (garbage,
// other commands, ws_auth with forged, foreign-purpose or malformed tokens). Every such connection must be
// closed with 4001 / 4003 / 4005 (or a protocol close), never 1011, and never left open.
import type { Rng } from '../../../helpers/rng.js';
import { WsClient, isRefused } from '../../../helpers/realtime.js';
import { anyJson, mutateText, mutateValue, type Surface, type Target, type Tally } from '../harness.js';
import { describe, oddFrame, sendPayload, verdict, type WsPayload } from '../ws.js';

function first(t: Target, rng: Rng): WsPayload {
  const token = rng.pick([
    t.token(), // an API token: the wrong purpose for ws_auth
    t.token().slice(0, -3) + 'abc',
    'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwicHVycG9zZSI6InJ0bSJ9.',
    t.apiKey,
    '',
    'x'.repeat(9000),
  ]);
  const auth = { command: 'ws_auth', auth_token: token };
  const x = rng.next();
  if (x < 0.35) return { text: JSON.stringify(auth) };
  if (x < 0.55) return { text: JSON.stringify(mutateValue(auth, rng)) };
  if (x < 0.75) return { text: mutateText(JSON.stringify(auth), rng) };
  if (x < 0.9) return { text: JSON.stringify(rng.chance(0.5) ? { command: 'ws_ping' } : anyJson(rng, 3)) };
  return oddFrame(rng);
}

export const surface: Surface = {
  name: 'airsend-first-frame',
  budget: 150,
  async run(t: Target, rng: Rng, tally: Tally, budget: number) {
    for (let i = 0; i < budget; i++) {
      const c = await WsClient.open(`${t.wsBase}/rtm`);
      if (isRefused(c)) {
        tally.fail(`AirSend WebSocket refused: ${c.status}`);
        continue;
      }
      const p = first(t, rng);
      tally.cases++;
      sendPayload(c, p);
      // The only acceptable outcome is a close; any frame or silence is a failure.
      if (await verdict(c, () => c.frames.length > 0, tally, `first frame ${describe(p)}`)) {
        tally.fail(`unauthenticated connection got a frame ${JSON.stringify(c.frames[0]).slice(0, 200)} after ${describe(p)}`);
      }
      c.terminate();
    }
  },
};
