/**
 * Found by review (session 32): a graceful stop whose last snapshot failed (a full disk; here a
 * directory takes the snapshot's temporary path) ended "openpit-sidecar: stopped" with exit 0,
 * so an upgrade that checked the exit status started the new version, which then replayed the
 * old version's records under its own rules (docs/operating.md, "Upgrading"). It now says so
 * and exits 70.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { afterAll, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary, connect } from "../../src/client/index.js";
import { snapshotFileName } from "../../src/state/journal/index.js";
import { LISTENING, startWithConfig } from "./sidecar-process.js";

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

describe("a graceful stop whose last snapshot fails", () => {
  it("says so and exits 70: the next start replays records", async () => {
    const root = mkdtempSync(join(tmpdir(), "openpit-snapshot-failed-"));
    roots.push(root);
    const dataDir = join(root, "data");
    const fields = { durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0 }, limits: { shutdownDrainMs: 0, shutdownGraceMs: 200 } };
    const p = startWithConfig(root, fields);
    const m = await p.waitFor(LISTENING);
    const clients = connect(`127.0.0.1:${m[2]}`);
    for (const accountId of [7n, 8n, 9n]) await callUnary(clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId, reason: "before upgrade" }));
    const status = await callUnary<ad.GetJournalStatusResponse>(clients.admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema, {}));
    clients.close();
    // The shutdown's snapshot cannot be written (a directory where its temporary file goes).
    for (let s = status.lastSequence; s < status.lastSequence + 4n; s++) mkdirSync(join(dataDir, `${snapshotFileName(s)}.tmp`));
    p.child.kill("SIGTERM");
    const exit = await p.exited;
    expect(p.stderr()).toMatch(/snapshot at record \d+ failed/);
    // The next start (the new version, per the procedure) replays the records the stop did not cover.
    for (let s = status.lastSequence; s < status.lastSequence + 4n; s++) rmSync(join(dataDir, `${snapshotFileName(s)}.tmp`), { recursive: true });
    const next = startWithConfig(root, fields);
    const line = (await next.waitFor(/recovered .* \+ (\d+) records/))[1];
    next.child.kill("SIGKILL");
    expect(Number(line)).toBeGreaterThan(0);
    expect(exit.code).toBe(70);
    expect(p.stdout().split("\n").filter((l) => /stopped/.test(l))).toEqual([
      expect.stringMatching(/^openpit-sidecar: stopped, but the last snapshot failed \(.*EISDIR.*\): the next start replays the records after the previous one; do not upgrade on this directory until a stop ends "stopped"$/),
    ]);
  }, 60_000);
});
