// Herald's native protocol: envelope {id, type, at, data}; id is the feed position (null when ephemeral).
// The data is the canonical snapshot; for the public view it arrives without private user fields.
import type { Delivered } from '../../events/types.js';
import type { Renderer } from '../render.js';

export function envelope(id: number | null, type: string, at: number, data: unknown): string {
  return JSON.stringify({ id, type, at: new Date(at).toISOString(), data });
}

export const nativeRenderer: Renderer = {
  name: 'native',
  privateFields: true,
  render: (ev: Delivered) => envelope(ev.id, ev.type, ev.at, ev.data),
};
