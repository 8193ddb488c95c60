// A dialect renders canonical events into one spec's wire format. `render` runs once per event and
// dialect (never per recipient); the gateway hands the same bytes to every connection of that dialect.
import type { Delivered } from '../events/types.js';

export interface Dialect {
  readonly name: string;
  /** The text of one frame for this event, or null when this dialect's clients never see it. */
  render(event: Delivered): string | null;
}
