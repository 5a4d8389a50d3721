/**
 * In async durability, QueryAudit answered at once with audit records
 * whose journal record is not on disk yet. A crash then loses the record, and the restarted
 * sidecar gives its sequence to another record: a reader paging with `after_sequence` (as
 * docs/security.md says to ship the trail out) silently misses that one, and was told of a
 * block that never survived. The `audit_recorded` event of the same record waits for the
 * fdatasync (session 37's fix, afterSynced); the read of the same number now does too
 * (found by review, session 42), as every state read does.
 */
import { create } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountId } from "../../src/param/index.js";
import { adminService } from "../../src/server/services/admin-service.js";
import type { ServiceContext } from "../../src/server/services/service-context.js";
import type { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { nextTurn, releaseUntilDurable, type HeldFsync } from "../state/journal/journal-test-helpers.js";
import { useStateOnHeldJournal } from "../state/held-journal-state.js";

/** The admin service's QueryAudit handler, called as grpc-js would. */
function auditService(state: SidecarState) {
  return adminService({ state, phase: () => "serving" } as unknown as ServiceContext) as unknown as {
    queryAudit: (call: { request: ad.QueryAuditRequest }, cb: (e: unknown, r: ad.QueryAuditResponse | null) => void) => void;
  };
}

describe("QueryAudit in async durability", () => {
  const held = useStateOnHeldJournal("async");
  let state: SidecarState;
  let fsync: HeldFsync;
  let journal: FileJournal;
  beforeEach(() => {
    ({ state, fsync, journal } = held());
  });

  it("does not hand out an audit record before its journal record is on disk", async () => {
    const service = auditService(state);
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(42n), reason: "review" });
    await nextTurn();
    expect(fsync.count()).toBe(1); // the block's record is written, its fdatasync held
    const seen: bigint[] = [];
    service.queryAudit({ request: create(ad.QueryAuditRequestSchema, {}) }, (_e, r) => {
      for (const rec of r?.records ?? []) seen.push(rec.sequence);
    });
    await nextTurn();
    // Not durable yet: a crash now loses audit record 1, and the next start numbers another record 1.
    expect(seen).toEqual([]);
    await releaseUntilDurable(journal, fsync);
    expect(seen).toEqual([1n]);
  });

  it("a read arriving while the journal closes, records in flight, is refused UNAVAILABLE, not thrown out of the handler (found by review)", async () => {
    const service = auditService(state);
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(42n), reason: "review" });
    await nextTurn();
    const closing = journal.close();
    let answer: unknown;
    expect(() => service.queryAudit({ request: create(ad.QueryAuditRequestSchema, {}) }, (e, r) => (answer = e ?? r))).not.toThrow();
    await releaseUntilDurable(journal, fsync);
    await closing;
    expect(answer).toEqual({ code: status.UNAVAILABLE, details: "the sidecar is stopping: its journal is closed" });
  });
});
