// Child-process side of the bench control channel, shared by both servers: the first stdout line is
// {"port":N}; stdin lines are commands ("gc" answers "ok" after a full collection; "heap <file>" writes a heap snapshot). Stdout carries
// nothing else, so logs must go to stderr.
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';

export function announce(port: number, stop: () => Promise<void>): void {
  process.stdout.write(JSON.stringify({ port }) + '\n');
  const gc = (globalThis as { gc?: () => void }).gc;
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line === 'gc') {
      // Two passes: the first can leave weakly held and finalizable objects for the second.
      gc?.();
      gc?.();
      process.stdout.write('ok\n');
    } else if (line.startsWith('heap ')) {
      // "heap <file>": a heap snapshot for finding what each connection holds (BENCH_HEAP_DIR).
      gc?.();
      writeHeapSnapshot(line.slice(5));
      process.stdout.write('ok\n');
    } else if (line === 'stop') {
      stop().finally(() => process.exit(0));
    }
  });
  // The parent went away without saying stop: do not linger as an orphan.
  lines.on('close', () => process.exit(0));
}
