/**
 * Found by review (session 34): `npm start | tee sidecar.log`, then Ctrl-C. The terminal's
 * SIGINT ends tee too, so the sidecar's stdout has no reader when its stop prints
 * "SIGINT: shutting down gracefully"; the EPIPE reached the fail-closed handler: exit 70, no
 * drain, no last snapshot. A graceful stop stays graceful without a reader on stdout.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary, connect } from "../../src/client/index.js";
import { LISTENING, startWithConfig } from "./sidecar-process.js";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  it(`${signal} with stdout's reader gone is a graceful stop: exit 0, a last snapshot of every record, the lock released`, { timeout: 60_000 }, async ({ onTestFinished }) => {
    const root = mkdtempSync(join(tmpdir(), "openpit-epipe-"));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const dataDir = join(root, "data");
    const p = startWithConfig(root, { durability: { mode: "sync", dataDir, snapshotEveryRecords: 0, snapshotEverySeconds: 0 }, limits: { shutdownDrainMs: 0, shutdownGraceMs: 500 } });
    const m = await p.waitFor(LISTENING);
    const clients = connect(`127.0.0.1:${m[2]}`);
    await callUnary(clients.admin, "blockAccount", create(ad.BlockAccountRequestSchema, { accountId: 7n, reason: "before the stop" }));
    const status = await callUnary<ad.GetJournalStatusResponse>(clients.admin, "getJournalStatus", create(ad.GetJournalStatusRequestSchema, {}));
    clients.close();
    // The reader of the sidecar's stdout goes away, as tee does.
    const closed = new Promise((r) => p.child.stdout!.once("close", r));
    p.child.stdout!.destroy();
    await closed;
    p.child.kill(signal);
    const exit = await p.exited;
    const failedClosed = p.stderr().split("\n").find((l) => l.includes("failing closed")) ?? "";
    expect({ exit: exit.code, failedClosed }).toEqual({ exit: 0, failedClosed: "" });
    expect(readdirSync(dataDir).filter((f) => f.endsWith(".snap"))).toContain(`snapshot-${String(status.lastSequence).padStart(20, "0")}.snap`);
    expect(existsSync(join(dataDir, "LOCK"))).toBe(false);
  });
}
