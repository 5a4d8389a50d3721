/**
 * Refusals of unauthenticated calls are recorded at a bounded rate (found by review: anyone
 * who can reach the port could write a journal record, a log line and an audit entry per call,
 * and push real denials out of the retained trail). The metric still counts every refusal.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { callUnary } from "../../src/client/index.js";
import { DenialThrottle, UNAUTHENTICATED_DENIAL_BURST } from "../../src/server/services/denial-throttle.js";
import type { Denial } from "../../src/server/services/service-context.js";
import { Credentials, startSecureHarness, type SecureHarness } from "./secure-harness.js";

const JOURNAL = "/openpit.sidecar.v1.AdminService/GetJournalStatus";
const stranger = (n: number): Denial => ({ actor: "(unauthenticated)", action: JOURNAL, detail: `no credentials (peer 10.0.0.${n}:1)`, reason: "UNAUTHENTICATED" });

/** A throttle on a manual clock and a manual timer: what it recorded, in order. */
function throttled() {
  const clock = { now: 1_000 };
  const recorded: Denial[] = [];
  const due: (() => void)[] = [];
  const throttle = new DenialThrottle(
    () => clock.now,
    (d) => recorded.push(d),
    (flush) => due.push(flush),
  );
  /** The summary timer fires (each one armed so far). */
  const fire = () => due.splice(0).forEach((f) => f());
  return { clock, recorded, throttle, fire, due };
}

describe("the throttle (a manual clock)", () => {
  it("throttles the console's own refusals too: they name nobody, whatever their reason (session 29)", () => {
    const { recorded, throttle } = throttled();
    const consoleRefusal = (n: number): Denial => ({ ...stranger(n), detail: `console: no console header (peer http:127.0.0.1:${n})`, reason: "PERMISSION_DENIED" });
    for (let i = 0; i < 60; i++) throttle.admit(consoleRefusal(i));
    expect(recorded).toHaveLength(UNAUTHENTICATED_DENIAL_BURST);
  });

  it("records a burst of 50, then 10 a second; each record after a gap says how many it stands for; known principals always", () => {
    const { clock, recorded, throttle } = throttled();
    for (let i = 0; i < 60; i++) throttle.admit(stranger(i));
    expect(recorded).toEqual(Array.from({ length: UNAUTHENTICATED_DENIAL_BURST }, (_, i) => stranger(i)));
    // A known principal's refusal names who: never throttled.
    const known: Denial = { actor: "gateway-a", action: JOURNAL, detail: "needs role monitor", reason: "PERMISSION_DENIED" };
    throttle.admit(known);
    expect(recorded.at(-1)).toBe(known);

    recorded.length = 0;
    clock.now += 100; // one more token
    throttle.admit(stranger(99));
    throttle.admit(stranger(98));
    clock.now += 100;
    throttle.admit(stranger(97));
    expect(recorded).toEqual([
      { ...stranger(99), detail: "no credentials (peer 10.0.0.99:1); 10 more unauthenticated calls were refused before this one, not recorded one by one" },
      { ...stranger(97), detail: "no credentials (peer 10.0.0.97:1); 1 more unauthenticated call was refused before this one, not recorded one by one" },
    ]);
    // A clock that steps back gives nothing.
    clock.now -= 5_000;
    throttle.admit(stranger(96));
    expect(recorded).toHaveLength(2);
    clock.now += 60_000; // refilled to the burst, not beyond
    recorded.length = 0;
    for (let i = 0; i < 60; i++) throttle.admit(stranger(i));
    expect(recorded.slice(1)).toHaveLength(UNAUTHENTICATED_DENIAL_BURST - 1);
  });

  it("a flood that stops: a summary record says how many were only counted, once (found by review: the count was never recorded)", () => {
    const { recorded, throttle, fire, due } = throttled();
    for (let i = 0; i < 57; i++) throttle.admit(stranger(i));
    // One timer, armed by the first refusal only counted.
    expect(due).toHaveLength(1);
    recorded.length = 0;
    fire();
    expect(recorded).toEqual([{ ...stranger(56), detail: "7 unauthenticated calls were refused and not recorded one by one; the last: no credentials (peer 10.0.0.56:1)" }]);
    fire();
    expect(recorded).toHaveLength(1);
  });

  it("no summary when a later record already told the count", () => {
    const { clock, recorded, throttle, fire } = throttled();
    for (let i = 0; i < 52; i++) throttle.admit(stranger(i));
    clock.now += 100;
    throttle.admit(stranger(99));
    expect(recorded.at(-1)?.detail).toBe("no credentials (peer 10.0.0.99:1); 2 more unauthenticated calls were refused before this one, not recorded one by one");
    const before = recorded.length;
    fire();
    expect(recorded).toHaveLength(before);
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
    const denied = () => h.server.state.audit.query({ outcome: "denied", newestFirst: false, limit: 1000 }).records;
    expect(denied().filter((r) => !r.detail.includes("not recorded one by one"))).toHaveLength(UNAUTHENTICATED_DENIAL_BURST);
    expect(await h.server.metrics.registry.metrics()).toContain('\nopenpit_denied_total{reason="UNAUTHENTICATED"} 60\n');
    // The flood stopped: within a second the other ten are recorded as one.
    await vi.waitFor(() => expect(denied()).toHaveLength(UNAUTHENTICATED_DENIAL_BURST + 1), { timeout: 5_000 });
    expect(denied().at(-1)!.detail).toMatch(/^10 unauthenticated calls were refused and not recorded one by one; the last: /);
  });
});
