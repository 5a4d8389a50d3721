/**
 * Found by review (session 39): a standby that met a record it cannot replay (another build's:
 * REPLAY_RULES moved) exited 74, which asks a supervisor to restart it, and each restart
 * restored its snapshot and stopped on the same record: a crash loop, and no standby. Such a
 * failure now exits 2, "cannot recover durable state", as a start from files does; a failure
 * of the stream or the connection still exits 74.
 */
import { describe, expect, it } from "vitest";
import { tailFailureExit } from "../../src/app/start-sidecar.js";
import { JournalTailError } from "../../src/replication/journal-tail.js";
import { DurableStateError } from "../../src/state/recovery.js";

describe("how a standby that stopped following exits", () => {
  it("a record it cannot replay (the tail's error caused by a DurableStateError) exits 2, saying the state cannot be recovered", () => {
    const refused = new DurableStateError("journal record 58 cannot be replayed: it was written by openpit-sidecar 0.1.0 (replay rules 2), and this is openpit-sidecar 0.1.0 (replay rules 3)");
    const error = new JournalTailError(`stream OPENPIT sequence 61 (openpit.j.0): ${refused.message}`, { cause: refused });
    expect(tailFailureExit(error)).toEqual({
      code: 2,
      line: `openpit-sidecar: following the journal failed: cannot recover durable state: stream OPENPIT sequence 61 (openpit.j.0): ${refused.message}\n`,
    });
    expect(tailFailureExit(refused).code).toBe(2);
  });

  it("a failure a restart may get past (messages gone from the stream, a tail stopped) exits 74", () => {
    const gone = new JournalTailError("stream OPENPIT: messages 5..6 are gone (deleted from the middle of the journal); the records in them may have been acknowledged, refusing to read past them");
    expect(tailFailureExit(gone)).toEqual({ code: 74, line: `openpit-sidecar: following the journal failed: ${gone.message}\n` });
    expect(tailFailureExit(new JournalTailError("x", { cause: new Error("connection closed") })).code).toBe(74);
  });
});
