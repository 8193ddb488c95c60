// Durable SQLite commits without blocking the event loop. With `synchronous=FULL` SQLite fsyncs the WAL
// inside COMMIT, on the main thread: 1–3 ms per batch during which no socket is served (the 1-to-1
// profile in bench/README.md). Instead the connection runs with `synchronous=NORMAL` (a commit writes
// its WAL frames but does not sync them; the WAL header is still synced when the WAL is reused, and the
// WAL before each checkpoint) and this flushes the WAL file with fdatasync on libuv's thread pool. fsync
// applies to the file, not the descriptor, so syncing our own descriptor makes every frame written
// before the call durable. A write is answered, and its events published, only after a flush that
// began after its commit completed; meanwhile the next batch runs (pipelined group commit, as
// PostgreSQL's WAL writer does).
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export type FlushFn = (file: FileHandle) => Promise<void>;

export class WalFlusher {
  /** The flush in flight, if any. */
  private current: Promise<void> | null = null;
  /** The flush queued behind it, shared by every commit made while `current` runs. */
  private next: Promise<void> | null = null;
  /** Settles when everything committed so far is durable (what readers wait for). */
  private latest: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: FileHandle,
    private readonly flushFile: FlushFn,
  ) {}

  /**
   * Opens the WAL of the database at `dbPath` (created empty if SQLite has not yet: SQLite opens the
   * same file, so the descriptor names the file SQLite writes) and syncs its directory once, so the WAL's own directory entry survives a power cut (SQLite would do this on its
   * first sync of a new WAL, which NORMAL defers to the first checkpoint).
   */
  static async open(dbPath: string, flushFile: FlushFn = (f) => f.datasync()): Promise<WalFlusher> {
    const file = await open(`${dbPath}-wal`, 'a');
    const dir = await open(dirname(dbPath), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return new WalFlusher(file, flushFile);
  }

  /** Resolves once everything committed before this call is on disk. Call right after each COMMIT. */
  flush(): Promise<void> {
    if (this.current === null) {
      const run = this.flushFile(this.file).finally(() => {
        if (this.current === run) this.current = null;
      });
      this.current = run;
      this.latest = run;
      return run;
    }
    // The flush in flight may have begun before this commit's frames were written: join the next one.
    if (this.next === null) {
      const next = this.current
        .catch(() => undefined)
        .then(() => {
          this.next = null;
          return this.flush();
        });
      this.next = next;
      this.latest = next;
    }
    return this.next;
  }

  /** Settles once every commit made so far is durable (a rejected flush counts as settled here). */
  settled(): Promise<void> {
    return this.latest.catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.file.close();
  }
}
