// The gateway's Renderer for Talk-and-Travel: each event is rendered once into the shared part of a
// MESSAGE frame (destination, content-type, x-herald-id, content-length, blank line, JSON body); each
// subscriber's session adds its own command line and headers before it and the NUL after it.
import type { Payload } from '../../gateway/connection.js';
import type { Renderer } from '../render.js';
import { renderTalk, type TalkChannel, type TalkIds, type TalkInput } from './render.js';

/** Header carrying the Talk id of each MESSAGE (the value to give `x-herald-resume`). */
export const ID_HEADER = 'x-herald-id';

export function talkRenderer(ids: TalkIds): Renderer {
  return {
    name: 'talk',
    privateFields: false,
    render(ev) {
      const f = renderTalk(ev as TalkInput, { ids });
      if (f === null) return null;
      const body = JSON.stringify(f.payload);
      // Destinations and ids never need escaping, in any STOMP version.
      return `destination:${f.destination}\ncontent-type:application/json\n${ID_HEADER}:${f.id}\ncontent-length:${Buffer.byteLength(body)}\n\n${body}`;
    },
  };
}

/** What a session needs to know of a rendered event: its channel and its Talk id. */
export interface TalkMeta {
  channel: TalkChannel;
  id: number;
}

const DEST = 'destination:/countries/';

function parseMeta(p: Payload): TalkMeta {
  const t = p.text;
  const line = t.indexOf('\n');
  const destination = t.slice(DEST.length, line);
  const channel = destination.slice(destination.lastIndexOf('/') + 1) as TalkChannel;
  const at = t.indexOf(ID_HEADER + ':', line) + ID_HEADER.length + 1;
  return { channel, id: Number(t.slice(at, t.indexOf('\n', at))) };
}

/** Read once per payload (cached on it), not once per subscriber. */
export function talkMeta(p: Payload): TalkMeta {
  return p.encoded('talk:meta', parseMeta);
}
