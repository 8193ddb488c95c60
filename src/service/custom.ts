// Custom events an app's backend publishes with the server API key: to a space's members, or to everyone.
import type { Delivered } from '../events/types.js';
import { badRequest, forbidden, notFound } from '../core/errors.js';
import type { CommandContext } from './context.js';

export async function publish(c: CommandContext, name: string, spaceId: number | null, payload: Record<string, unknown>): Promise<Delivered> {
  if (!c.actor.server) throw forbidden('custom events need the server API key');
  if (!/^[a-z][a-z0-9_.-]{0,63}$/.test(name)) throw badRequest('custom event names are lowercase letters, digits, _ . -');
  if (spaceId !== null) {
    const s = await c.tx.spaces.summary(spaceId);
    if (!s || s.deleted) throw notFound('space');
  }
  return c.emit({ type: `custom.${name}`, data: { space_id: spaceId, payload, actor_id: c.actor.userId } });
}
