// The Dino renderer as the gateway uses it (one payload per event, never per recipient), and the `group`
// event that follows a `join` or `leave`: rendered once per event too, chosen per recipient (the removed
// user does not get it). The MQTT session and the bridge both send `frames(event, payload, userId)`.
import type { Delivered } from '../../events/types.js';
import { Payload } from '../../gateway/connection.js';
import type { Renderer } from '../render.js';
import { acceptsDino, acceptsDinoGroupUpdate, renderDinoGroupUpdate, renderDinoJson, type DinoInput, type DinoRenderOptions } from './render.js';

export class DinoFrames {
  readonly renderer: Renderer;
  private readonly updates = new WeakMap<Delivered, Payload | null>();

  constructor(o: DinoRenderOptions = {}) {
    this.renderer = {
      name: 'dino',
      // Dino payloads carry no email or admin flag: one view serves every recipient.
      privateFields: false,
      render: (ev) => renderDinoJson(ev as DinoInput, o),
      accepts: (ev, userId) => acceptsDino(ev as DinoInput, userId),
    };
  }

  /** The `group` event after a join/leave for `userId` (rendered once per event), or null. */
  followUp(ev: Delivered, userId: number): Payload | null {
    if (ev.type !== 'member.added' && ev.type !== 'member.removed') return null;
    if (!acceptsDinoGroupUpdate(ev as DinoInput, userId)) return null;
    let p = this.updates.get(ev);
    if (p === undefined) {
      const g = renderDinoGroupUpdate(ev as DinoInput);
      p = g === null ? null : new Payload(JSON.stringify(g), ev.id);
      this.updates.set(ev, p);
    }
    return p;
  }
}
