// Herald's native protocol: envelope {id, type, at, data}; id is the feed position (null when ephemeral).
import type { Delivered } from '../../events/types.js';
import type { Dialect } from '../dialect.js';

export function envelope(id: number | null, type: string, at: number, data: unknown): string {
  return JSON.stringify({ id, type, at: new Date(at).toISOString(), data });
}

export const nativeDialect: Dialect = {
  name: 'native',
  render: (ev: Delivered) => envelope(ev.id, ev.type, ev.at, ev.data),
};
