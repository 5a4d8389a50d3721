/**
 * A channel whose stream ends while the journal refuses records (a rollover that cannot make
 * its segment: disk full, no descriptor; not fatal by design, the append throws and nothing
 * changes) is closed again before the next command enters, once the journal takes records
 * again. The service closes a channel once, when its stream ends; the refused close used to
 * leave the gone client's channel open, its accounts pinned and its reservations held, until
 * a restart. (Found by review.)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { AccountId } from "../../src/param/index.js";
import { durableConfig, startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ACCOUNT = AccountId.fromU64(42n);
const OTHER = AccountId.fromU64(7n);

describe("a channel close the journal refused", () => {
  it("is made before the next command once the journal takes records again, and replays", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "openpit-close-refused-"));
    dirs.push(dataDir);
    const config = durableConfig(dataDir);
    const { state } = await startState(config);
    const gone = state.openChannel();
    expect(state.runChannel(gone.channelId, [{ kind: "bind", accountIds: [ACCOUNT], takeover: false }])[0]!.kind).toBe("bind");
    await state.journal.flush();

    // Every way to a new segment fails (directories in the way of the preparer's and the
    // inline rollover's temporary files), then the segment is filled until nothing fits.
    const blockers = Array.from({ length: 200 }, (_, i) => path.join(dataDir, `journal-next-${process.pid}-${i + 1}.seg.tmp`));
    for (const b of blockers) fs.mkdirSync(b);
    for (const size of [1000, 300, 100, 30, 1]) {
      for (;;) {
        try {
          state.admin({ kind: "blockAccount", accountId: OTHER, reason: "r".repeat(size) });
        } catch {
          break;
        }
      }
    }
    // The stream ends: the service closes its channel, and the journal refuses the record.
    expect(() => state.closeChannel(gone.channelId, "lost")).toThrow(/EISDIR/);
    expect(state.channels.has(gone.channelId)).toBe(true);

    // The disk has room again: the next command enters after the close.
    for (const b of blockers) fs.rmdirSync(b);
    state.admin({ kind: "unblockAccount", accountId: OTHER });
    expect(state.channels.has(gone.channelId)).toBe(false);
    const next = state.openChannel();
    expect(state.runChannel(next.channelId, [{ kind: "bind", accountIds: [ACCOUNT], takeover: false }])[0]!.kind).toBe("bind");
    await state.journal.flush();
    await state.journal.close();

    // The retried close is in the journal, in time order: a restart replays every record.
    const { state: back, report } = await startState(config, 2_000);
    expect(report.replayed).toBeGreaterThan(0);
    expect(back.engine.accounts().blockOf(OTHER)).toBeUndefined();
    await back.journal.close();
  });
});
