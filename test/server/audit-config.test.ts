import { describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { DEFAULT_CONFIG } from "../../src/server/config/default-config.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { AccountId } from "../../src/param/index.js";

const withAudit = (audit: unknown) => ({ ...JSON.parse(JSON.stringify(DEFAULT_CONFIG)), audit });

describe("configuration: audit", () => {
  it("defaults to 100000 changes, 10000 quote ticks and 10000 denials", () => {
    expect(parseSidecarConfig(DEFAULT_CONFIG).audit).toEqual({ retainRecords: 100_000, retainQuoteRecords: 10_000, retainDenials: 10_000, retainUnauthenticatedDenials: 10_000 });
    expect(parseSidecarConfig(withAudit({ retainDenials: 5 })).audit).toEqual({ retainRecords: 100_000, retainQuoteRecords: 10_000, retainDenials: 5, retainUnauthenticatedDenials: 10_000 });
  });

  it("errors name the field", () => {
    expect(() => parseSidecarConfig(withAudit({ retainRecords: -1 }))).toThrow(/^config\.audit\.retainRecords: must be an integer in 0\.\.100000000$/);
    expect(() => parseSidecarConfig(withAudit({ retain: 1 }))).toThrow(/^config\.audit\.retain: unknown field/);
    expect(() => parseSidecarConfig(withAudit([]))).toThrow(/^config\.audit: /);
  });

  it("the bound reaches the door", () => {
    const state = buildState(parseSidecarConfig(withAudit({ retainRecords: 1 })), new ManualClock(0));
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(1), reason: "a" });
    state.admin({ kind: "blockAccount", accountId: AccountId.fromU64(2), reason: "b" });
    expect([state.audit.size, state.audit.dropped]).toEqual([1, 1n]);
  });
});
