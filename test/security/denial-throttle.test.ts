/**
 * Refusals of unauthenticated calls are recorded at a bounded rate (found by review: anyone
 * who can reach the port could write a journal record, a log line and an audit entry per call,
 * and push real denials out of the retained trail). The metric still counts every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { DenialThrottle, UNAUTHENTICATED_DENIAL_BURST } from "../../src/server/services/denial-throttle.js";
import type { Denial } from "../../src/server/services/service-context.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

const JOURNAL = "/openpit.sidecar.v1.AdminService/GetJournalStatus";
const stranger = (n: number): Denial => ({ actor: "(unauthenticated)", action: JOURNAL, detail: `no credentials (peer 10.0.0.${n}:1)`, reason: "UNAUTHENTICATED" });

describe("the throttle (a manual clock)", () => {
  it("records a burst of 50, then 10 a second; each record after a gap says how many it stands for; known principals always", () => {
    let now = 1_000;
    const throttle = new DenialThrottle(() => now);
    const admitted = Array.from({ length: 60 }, (_, i) => throttle.admit(stranger(i)));
    expect(admitted.filter(Boolean)).toHaveLength(UNAUTHENTICATED_DENIAL_BURST);
    expect(admitted.slice(50).every((d) => d === undefined)).toBe(true);
    // A known principal's refusal names who: never throttled.
    const known: Denial = { actor: "gateway-a", action: JOURNAL, detail: "needs role monitor", reason: "PERMISSION_DENIED" };
    expect(throttle.admit(known)).toBe(known);

    now += 100; // one more token
    expect(throttle.admit(stranger(99))).toEqual({ ...stranger(99), detail: "no credentials (peer 10.0.0.99:1); 10 more unauthenticated calls were refused before this one, not recorded one by one" });
    expect(throttle.admit(stranger(98))).toBeUndefined();
    now += 100;
    expect(throttle.admit(stranger(97))?.detail).toBe("no credentials (peer 10.0.0.97:1); 1 more unauthenticated call was refused before this one, not recorded one by one");
    // A clock that steps back gives nothing.
    now -= 5_000;
    expect(throttle.admit(stranger(96))).toBeUndefined();
    now += 60_000; // refilled to the burst, not beyond
    expect(Array.from({ length: 60 }, (_, i) => throttle.admit(stranger(i))).filter(Boolean)).toHaveLength(UNAUTHENTICATED_DENIAL_BURST);
  });
});

describe("through the server", () => {
  let creds: Credentials;
  let h: SecureHarness;
  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it("60 calls with a bad token on a clock that stands still: 50 audit records, 60 counted", async () => {
    const client = h.connect(creds.token("not-a-token")).admin;
    for (let i = 0; i < 60; i++) {
      await expect(callUnary(client, "getJournalStatus", create(ad.GetJournalStatusRequestSchema))).rejects.toThrow(/UNAUTHENTICATED/);
    }
    expect(h.denials).toHaveLength(60);
    const recorded = h.server.state.audit.query({ outcome: "denied", newestFirst: false, limit: 1000 }).records;
    expect(recorded).toHaveLength(UNAUTHENTICATED_DENIAL_BURST);
    expect(await h.server.metrics.registry.metrics()).toContain('\nopenpit_denied_total{reason="UNAUTHENTICATED"} 60\n');
  });
});
