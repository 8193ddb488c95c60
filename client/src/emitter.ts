// A minimal typed listener registry (no Node EventEmitter: the SDK runs in browsers). A throwing
// listener never stops delivery to the others; its error goes to `onThrow`.

type Listener = (value: never) => void;

export class Emitter {
  private readonly map = new Map<string, Set<Listener>>();

  constructor(private readonly onThrow: (err: Error, key: string) => void) {}

  on(key: string, fn: Listener): () => void {
    let set = this.map.get(key);
    if (!set) this.map.set(key, (set = new Set()));
    set.add(fn);
    return () => void set.delete(fn);
  }

  listeners(key: string): Listener[] {
    return [...(this.map.get(key) ?? [])];
  }

  emit(key: string, value: unknown): void {
    for (const fn of this.listeners(key)) {
      try {
        (fn as (v: unknown) => void)(value);
      } catch (e) {
        this.onThrow(e instanceof Error ? e : new Error(String(e)), key);
      }
    }
  }
}
