// What the clients count. Each posted message carries `~B<step>:<microseconds>~` in its content (the
// send time on this process's monotonic clock); a client finds that marker in the raw frame bytes
// without decoding JSON, and files the delivery and its latency under its step.
import { performance } from 'node:perf_hooks';
import { Histogram } from './histogram.js';

const MARKER = Buffer.from('~B');
const COLON = 0x3a;
const TILDE = 0x7e;

export const nowMicros = (): number => Math.round(performance.now() * 1000);

export function markedContent(step: number): string {
  return `bench ~B${step}:${nowMicros()}~`;
}

export class StepTally {
  received = 0;
  bytes = 0;
  readonly latency = new Histogram();
}

export class Deliveries {
  private readonly steps = new Map<number, StepTally>();
  /** Frames that carry no marker: welcomes, presence, space and member events. */
  other = 0;

  tally(step: number): StepTally {
    let t = this.steps.get(step);
    if (t === undefined) this.steps.set(step, (t = new StepTally()));
    return t;
  }

  readonly onMessage = (payload: Buffer): void => {
    let i = payload.indexOf(MARKER);
    if (i < 0) {
      this.other++;
      return;
    }
    i += MARKER.length;
    let step = 0;
    for (let c = payload[i]; c !== COLON && i < payload.length; c = payload[++i]) step = step * 10 + (c - 48);
    let sent = 0;
    for (let c = payload[++i]; c !== TILDE && i < payload.length; c = payload[++i]) sent = sent * 10 + (c - 48);
    const t = this.steps.get(step);
    if (t === undefined) return;
    t.received++;
    t.bytes += payload.length;
    t.latency.record((performance.now() * 1000 - sent) / 1000);
  };
}

/** Waits until no frame without a marker (welcome, presence, space and member events) arrived for a second. */
export async function quiesce(d: Deliveries): Promise<void> {
  let last = -1;
  while (d.other !== last) {
    last = d.other;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
