// The render contract: a dialect turns a canonical event into the text of one frame of its spec. It runs
// once per event, dialect and view (never per recipient); the same bytes go to every connection.
import type { Delivered } from '../events/types.js';

/**
 * `full`: user objects carry `email` and `is_admin` (for the user themself, administrators and users who
 * share a space with them). `public`: the event was redacted (those fields are absent); render what the
 * spec allows for a profile without them.
 */
export type View = 'full' | 'public';

export interface Renderer {
  readonly name: string;
  /** Whether this dialect ever shows private user fields; when false one view serves every recipient. */
  readonly privateFields: boolean;
  /** The text of one frame for this event, or null when this dialect's clients never see it. */
  render(event: Delivered, view: View): string | null;
  /**
   * Optional per-recipient filter, for specs that address fewer users than the canonical audience
   * (e.g. "channels this user is associated with"). Must be cheap: it runs once per recipient.
   */
  accepts?(event: Delivered, userId: number): boolean;
}
