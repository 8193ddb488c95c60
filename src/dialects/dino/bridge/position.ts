// The bridge's own feed position, in a small file of the data dir: written after the external broker
// acknowledged a batch (write to a temporary file, then rename, so a crash leaves the old or the new one).
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface BridgePosition {
  /** The event log's epoch the position belongs to (another database: start again from its head). */
  epoch: string;
  /** Every event at or below it was acknowledged by the external broker. */
  position: number;
}

export class PositionFile {
  constructor(readonly path: string) {}

  async load(): Promise<BridgePosition | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return null;
    }
    try {
      const v = JSON.parse(text) as Partial<BridgePosition>;
      if (typeof v.epoch === 'string' && typeof v.position === 'number' && Number.isInteger(v.position) && v.position >= 0) return { epoch: v.epoch, position: v.position };
    } catch {
      // A damaged file counts as none.
    }
    return null;
  }

  async save(p: BridgePosition): Promise<void> {
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify(p));
    await rename(tmp, this.path);
  }
}
