/** What the tests of notices behind a big (sliced) message share: the wire as received, and a slow disk. */
import type { OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { nodeJournalIo } from "../../src/state/journal/journal-io.js";

/** Everything `channel` receives from now on, in order; `fenced` settles on its first AccountsFenced notice. */
export function recordUntilFenced(channel: { readonly call: { on(event: "data", listener: (m: OpenResponse) => void): unknown } }): {
  readonly wire: OpenResponse[];
  readonly fenced: Promise<void>;
} {
  const wire: OpenResponse[] = [];
  const fenced = new Promise<void>((resolve) =>
    channel.call.on("data", (m: OpenResponse) => {
      wire.push(m);
      if (m.notice?.notice.case === "accountsFenced") resolve();
    }),
  );
  return { wire, fenced };
}

/**
 * A disk whose fdatasync takes `ms` longer (the fault injected where the journal does its I/O;
 * set before a sidecar starts, which copies the I/O functions). Returns what undoes it.
 */
export function slowFdatasync(ms: number): () => void {
  const io = nodeJournalIo as { fdatasync: typeof nodeJournalIo.fdatasync };
  const real = io.fdatasync;
  io.fdatasync = (fd, done) => real(fd, (err) => setTimeout(() => done(err), ms));
  return () => {
    io.fdatasync = real;
  };
}
