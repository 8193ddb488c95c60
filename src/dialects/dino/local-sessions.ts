// The MQTT sessions live on this node, by client id: a CONNECT for a client id held here first has the old
// session save its event feed state (the broker's takeover then makes it stale), and a takeover announced
// by another node closes the local holder with DISCONNECT 0x8E.

/** What the registry asks of a live session. */
export interface LocalHolder {
  readonly userId: number;
  /** Writes the event feed state into the broker session now, while this connection still holds it. */
  saveState(): void;
  /** Another node took the session over: DISCONNECT 0x8E, and the local broker session ends. */
  takenOverElsewhere(): void;
}

export class LocalSessions {
  private readonly byClient = new Map<string, LocalHolder>();

  set(clientId: string, s: LocalHolder): void {
    this.byClient.set(clientId, s);
  }

  /** Forgets `s` (only if it is still the holder of `clientId`). */
  delete(clientId: string, s: LocalHolder): void {
    if (this.byClient.get(clientId) === s) this.byClient.delete(clientId);
  }

  get(clientId: string): LocalHolder | undefined {
    return this.byClient.get(clientId);
  }

  get size(): number {
    return this.byClient.size;
  }
}
