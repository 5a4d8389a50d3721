/** A long-lived stream the server must wind down on shutdown. */
export interface LiveStream {
  /** Finish what was already received, tell the client, release state, end the stream. */
  drainAndClose(): void;
}

/** The set of live streams, so graceful shutdown can reach every one of them. */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private closing = false;

  add(stream: LiveStream): () => void {
    this.streams.add(stream);
    // A stream opened after shutdown closed the others is closed too, once its service has
    // finished setting it up (a microtask later).
    if (this.closing) queueMicrotask(() => this.streams.has(stream) && stream.drainAndClose());
    return () => this.streams.delete(stream);
  }

  drainAll(): void {
    this.closing = true;
    for (const s of [...this.streams]) s.drainAndClose();
  }

  get size(): number {
    return this.streams.size;
  }
}
