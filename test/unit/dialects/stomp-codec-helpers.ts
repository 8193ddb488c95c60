// Shared helpers of the STOMP codec tests (stomp-parser*.test.ts, stomp-serializer.test.ts): exact bytes
// in, and a parser run that collects frames, heart-beats and the typed error, whatever the chunking.
import assert from 'node:assert/strict';
import { StompParser, type StompErrorCode, type StompLimits, type StompVersion } from '../../../src/dialects/talk/stomp-codec.js';

/** Exact bytes from a JS string whose every char is one byte (\n, \r, \0, \xNN escapes). */
export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export interface Seen {
  command: string;
  headers: Record<string, string>;
  /** Body as hex, so NUL and binary bytes compare exactly. */
  body: string;
}

export interface Outcome {
  frames: Seen[];
  heartbeats: number;
  error: { code: StompErrorCode; message: string } | null;
  idle: boolean;
}

export function run(chunks: readonly (Buffer | Uint8Array | string)[], limits: Partial<StompLimits> = {}, version: StompVersion = '1.2'): Outcome {
  const frames: Seen[] = [];
  let heartbeats = 0;
  const p = new StompParser({ frame: (f) => frames.push({ command: f.command, headers: { ...f.headers }, body: f.body.toString('hex') }), heartbeat: () => heartbeats++ }, limits, version);
  let error: Outcome['error'] = null;
  for (const c of chunks) {
    error = p.push(c);
    if (error) break;
  }
  return { frames, heartbeats, error, idle: p.idle };
}

/** Frames and heart-beats seen, and the error code, are the same for every split of `bytes` into 1, 2 and n chunks. */
export function assertSplitInvariant(bytes: Buffer, limits: Partial<StompLimits> = {}): Outcome {
  const whole = run([bytes], limits);
  const strip = (o: Outcome) => ({ frames: o.frames, heartbeats: o.heartbeats, code: o.error?.code ?? null, idle: o.idle });
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(strip(run([bytes.subarray(0, i), bytes.subarray(i)], limits)), strip(whole), `split at ${i}`);
  }
  const bytewise = [...bytes].map((x) => Buffer.from([x]));
  assert.deepEqual(strip(run(bytewise, limits)), strip(whole), 'byte by byte');
  return whole;
}

export const H = (o: Record<string, string>) => o;
