/** A long-lived stream the server must wind down on shutdown. */
export interface LiveStream {
  /** Finish what was already received, tell the client, release state, end the stream. */
  drainAndClose(): void;
}

/**
 * The set of live streams, so graceful shutdown can reach every one of them, in two steps:
 * `drainAll` closes the streams that act (channels, the feed, quote streams, health watches), and
 * `closeListeners`, called once what closing them announced has gone out, closes the
 * streams that only listen to it (event monitors). Closed in one pass, a monitor that
 * happened to come first in the set was gone before the channels' shutdown rollbacks were
 * published, and never heard them: the events a gateway's peer needs to cancel those
 * orders at the venue (docs/controls.md, "Cancel on disconnect").
 */
export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private readonly listeners = new Set<LiveStream>();
  private closingStreams = false;
  private closingListeners = false;

  /** A stream that acts: closed by `drainAll`. */
  add(stream: LiveStream): () => void {
    return this.track(this.streams, stream, this.closingStreams);
  }

  /** A stream that listens to what the others do: closed by `closeListeners`, after them. */
  addListener(stream: LiveStream): () => void {
    return this.track(this.listeners, stream, this.closingListeners);
  }

  drainAll(): void {
    this.closingStreams = true;
    for (const s of [...this.streams]) s.drainAndClose();
  }

  closeListeners(): void {
    this.closingListeners = true;
    for (const s of [...this.listeners]) s.drainAndClose();
  }

  get size(): number {
    return this.streams.size + this.listeners.size;
  }

  private track(set: Set<LiveStream>, stream: LiveStream, closing: boolean): () => void {
    set.add(stream);
    // A stream opened after shutdown closed its kind is closed too, once its service has
    // finished setting it up (a microtask later).
    if (closing) queueMicrotask(() => set.has(stream) && stream.drainAndClose());
    return () => set.delete(stream);
  }
}
