/**
 * The net under the audit record's size (found by review, session 39: records over 4 MiB cut
 * every monitor off and stopped QueryAudit's paging). The wire bounds every input; a command
 * that reaches the door unbounded (here a RegisterGroup of 150 000 accounts, fifteen times
 * what the wire takes) still makes a record a default client can read: its largest parts are
 * replaced by a note saying how large they were.
 */
import { toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as au from "../../gen/openpit/sidecar/v1/audit_pb.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { AccountGroupId, AccountId } from "../../src/param/index.js";
import { encodeAuditRecord } from "../../src/server/codec/audit.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { MAX_AUDIT_RECORD_TEXT_BYTES } from "../../src/state/audited-admin.js";
import { testConfig } from "../server/harness.js";

describe("an audit record's size at the door", () => {
  it("a RegisterGroup of 150 000 accounts: the before and after views (5 MB each) are noted, the request kept, the record under 4 MiB", () => {
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
    const accountIds = Array.from({ length: 150_000 }, (_, i) => AccountId.fromU64(1_000_000n + BigInt(i)));
    state.admin({ kind: "registerGroup", accountIds, group: AccountGroupId.fromU32(5) });
    expect(state.engine.accounts().groupOf(accountIds.at(-1)!)).toBe(5);
    const [record] = state.audit.query({ action: "registerGroup", newestFirst: true, limit: 1 }).records;
    expect(record!.effect).toEqual({
      before: expect.stringMatching(/^\{"omitted":"\d{7} bytes of JSON, past the audit record's bound"\}$/),
      after: expect.stringMatching(/^\{"omitted":"\d{7} bytes of JSON, past the audit record's bound"\}$/),
    });
    expect(Buffer.byteLength(record!.request)).toBeLessThan(MAX_AUDIT_RECORD_TEXT_BYTES);
    expect(JSON.parse(record!.request)).toMatchObject({ group: 5 });
    expect(record!.accountIds).toHaveLength(150_000);
    expect(toBinary(au.AuditRecordSchema, encodeAuditRecord(record!)).length).toBeLessThan(4 * 1024 * 1024);
  });

  it("a record within the bound is kept whole", () => {
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
    state.admin({ kind: "registerGroup", accountIds: [AccountId.fromU64(7n)], group: AccountGroupId.fromU32(5) });
    const [record] = state.audit.query({ action: "registerGroup", newestFirst: true, limit: 1 }).records;
    expect(record!.effect!.after).not.toContain("omitted");
    expect(JSON.parse(record!.effect!.after)).toBeTruthy();
  });
});
