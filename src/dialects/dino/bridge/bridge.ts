// Bridge mode (HERALD_MQTT_BRIDGE_URL), as Dino ran VerneMQ: Herald also publishes every Dino event to an
// external MQTT 5 broker, on each recipient's `dino/users/{id}/events`, QoS 1, through mqtt.js.
// It is one server-side reader of the WHOLE log (host.feeds.log: each event with the users it was
// addressed to then), not a cursor per user: one read per batch whatever the number of users. Its
// position only moves after the broker acknowledged a whole batch and is kept in the data dir, so a
// broker restart or outage, or a Herald restart, loses nothing: it resumes from there (at least once).
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { LoggedEvent } from '../../../gateway/gateway.js';
import type { DialectHost } from '../../plugin.js';
import type { DinoFrames } from '../renderer.js';
import { eventTopic } from '../topics.js';
import { PositionFile } from './position.js';

export interface BridgeOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
}

const BATCH = 200;
/** Reconnect backoff: doubles from the first delay to the last, with jitter. */
const BACKOFF_FIRST_MS = 200;
const BACKOFF_LAST_MS = 10_000;
/** Even without a nudge the log is looked at this often (a nudge lost to a race costs at most this). */
const IDLE_POLL_MS = 5_000;

interface Outgoing {
  topic: string;
  payload: Buffer;
}

export class Bridge {
  private client: MqttClient | null = null;
  private running = false;
  private position = 0;
  private epoch = '';
  private wake: (() => void) | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  /** QoS 1 publishes in flight at once: the broker's Receive Maximum (CONNACK), 20 until known. */
  private window = 20;
  private readonly file: PositionFile;
  /** For tests and metrics: events published so far. */
  published = 0;

  constructor(
    private readonly host: DialectHost,
    private readonly frames: DinoFrames,
    private readonly o: BridgeOptions,
  ) {
    this.file = new PositionFile(join(host.server.dataDir, 'dino-bridge.json'));
  }

  start(): void {
    this.running = true;
    this.stopWatch = this.host.feeds.onLogged(() => this.nudge());
    this.loop = this.run().catch((err: unknown) => this.host.log.error({ err }, 'the mqtt bridge stopped'));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopWatch?.();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.nudge();
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true).catch(() => undefined);
    await this.loop;
  }

  private nudge(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async run(): Promise<void> {
    const head = await this.host.feeds.head();
    const saved = await this.file.load();
    this.epoch = head.epoch;
    if (saved !== null && saved.epoch === head.epoch && saved.position <= head.position) this.position = saved.position;
    else {
      if (saved !== null) this.host.log.warn({ saved, head }, 'mqtt bridge position belongs to another log: starting from the head');
      this.position = head.position;
      await this.file.save({ epoch: this.epoch, position: this.position });
    }
    this.connect();
    while (this.running) {
      const c = this.client;
      if (c === null || !c.connected) {
        await this.sleep(IDLE_POLL_MS);
        continue;
      }
      const batch = await this.host.feeds.log(this.position, BATCH);
      if (batch.length === 0) {
        await this.sleep(IDLE_POLL_MS);
        continue;
      }
      try {
        await this.publishAll(c, batch.flatMap((e) => this.outgoing(e)));
      } catch (err) {
        // The connection dropped mid-batch: the whole batch goes again once reconnected (at least once).
        this.host.log.debug({ err }, 'mqtt bridge batch not acknowledged; retrying after reconnect');
        await this.sleep(BACKOFF_FIRST_MS);
        continue;
      }
      this.published += batch.length;
      this.position = batch[batch.length - 1].event.id!;
      await this.file.save({ epoch: this.epoch, position: this.position });
    }
  }

  /** The PUBLISHes of one event: its payload (rendered once) to each recipient's topic, and the `group` after a join/leave. */
  private outgoing(e: LoggedEvent): Outgoing[] {
    const ev = e.event;
    const r = this.frames.renderer;
    const text = r.render(ev, 'full');
    const payload = text === null ? null : Buffer.from(text);
    // A broadcast (an open space announced to everyone): Dino shows it to the space's members only.
    const users = ev.audience.all === true ? membersOf(ev.data) : e.recipients;
    const out: Outgoing[] = [];
    for (const uid of users) {
      if (r.accepts !== undefined && !r.accepts(ev, uid)) continue;
      if (payload !== null) out.push({ topic: eventTopic(uid), payload });
      const extra = this.frames.followUp(ev, uid);
      if (extra !== null) out.push({ topic: eventTopic(uid), payload: extra.bytes() });
    }
    return out;
  }

  /** QoS 1 publishes, at most `window` unacknowledged, sent in list order; rejects if the connection drops. */
  private async publishAll(c: MqttClient, list: Outgoing[]): Promise<void> {
    let next = 0;
    let aborted = false;
    // mqtt.js sends in call order and the broker forwards in arrival order, so each user's events stay in order.
    const worker = async () => {
      while (!aborted && next < list.length) {
        const m = list[next++];
        await c.publishAsync(m.topic, m.payload, { qos: 1, properties: { payloadFormatIndicator: true } });
      }
    };
    const all = Promise.all(Array.from({ length: Math.max(1, Math.min(this.window, list.length)) }, () => worker()));
    all.catch(() => undefined); // settled late after a drop: the batch is retried anyway
    let onClose: () => void = () => undefined;
    const closed = new Promise<never>((_, reject) => {
      onClose = () => {
        aborted = true;
        reject(new Error('connection to the external broker closed'));
      };
      c.once('close', onClose);
    });
    try {
      await Promise.race([all, closed]);
    } finally {
      c.off('close', onClose);
    }
  }

  private connect(): void {
    const opts: IClientOptions = {
      protocolVersion: 5,
      clientId: this.o.clientId,
      clean: true,
      reconnectPeriod: 0, // our own backoff below
      connectTimeout: 5_000,
      ...(this.o.username !== '' ? { username: this.o.username } : {}),
      ...(this.o.password !== '' ? { password: this.o.password } : {}),
    };
    const c = mqtt.connect(this.o.url, opts);
    this.client = c;
    c.on('connect', (connack) => {
      this.attempt = 0;
      this.window = Math.max(1, Math.min(connack.properties?.receiveMaximum ?? 20, 100));
      this.host.log.info({ url: this.o.url }, 'mqtt bridge connected');
      this.nudge();
    });
    c.on('error', (err) => this.host.log.debug({ err }, 'mqtt bridge connection error'));
    c.on('close', () => this.scheduleReconnect(c));
  }

  private scheduleReconnect(c: MqttClient): void {
    if (!this.running || this.client !== c || this.reconnectTimer !== null) return;
    const base = Math.min(BACKOFF_LAST_MS, BACKOFF_FIRST_MS * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && this.client === c && !c.connected) c.reconnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        if (this.wake === done) this.wake = null;
        resolve();
      }, ms);
      t.unref();
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.wake = done;
    });
  }
}

function membersOf(data: unknown): number[] {
  const members = (data as { space?: { members?: { user: { id: number } }[] } }).space?.members;
  return members === undefined ? [] : members.map((m) => m.user.id);
}
