/**
 * A feed message of more than REPORTS_PER_SLICE reports is applied a slice per turn. The
 * feed's contract for a stream lost between slices (feed-service.ts, `answerAt`'s `rest`):
 * the message was received and accepted as a whole, so its remaining slices are applied —
 * execution reports are the venue's facts — while messages queued behind it are not (the
 * stream is closed: they are refused, and no answer is written). A revocation between slices
 * ends the stream as a lost client's (the guard's 'error'), so it follows the same contract:
 * docs/security.md says so. These tests pin that a revoked stream and a lost one are alike.
 */
import { EventEmitter } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Metadata, status, type ClientDuplexStream, type StatusObject, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionReportFeedService, PublishRequestSchema, type PublishRequest, type PublishResponse } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { ManualClock } from "../../src/engine/index.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { UNAUTHENTICATED_TEXTS, type Authenticator } from "../../src/server/security/authenticator.js";
import type { SecuritySetup } from "../../src/server/security/security-setup.js";
import { methodPath } from "../../src/server/security/method-access.js";
import type { Principal } from "../../src/server/security/principal.js";
import { guardService } from "../../src/server/security/service-guard.js";
import { RevocableStreams } from "../../src/server/security/revocable-streams.js";
import { feedService, REPORTS_PER_SLICE } from "../../src/server/services/feed-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { Denial } from "../../src/server/services/service-context.js";
import { testConfig } from "../server/harness.js";
import { feeReport } from "../server/results.js";
import { Credentials, startSecureHarness } from "./secure-harness.js";

const PUBLISH_PATH = methodPath(ExecutionReportFeedService.method.publish);
const FEED: Principal = { name: "feed-a", roles: new Set(["feed"]), allAccounts: true, accounts: new Set(), groups: new Set() };

/** What the guard and the feed read of a grpc-js duplex call; what it is sent is kept. */
class FakeCall extends EventEmitter {
  readonly metadata = new Metadata();
  readonly written: unknown[] = [];
  cancelled = false;
  write(m: unknown): boolean {
    this.written.push(m);
    return true;
  }
  getPeer(): string {
    return "ipv4:127.0.0.1:1";
  }
  getAuthContext(): null {
    return null;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
  publish(correlationId: bigint, reports: number, fee: string): void {
    this.emit("data", create(PublishRequestSchema, { correlationId, reports: Array.from({ length: reports }, () => feeReport(fee)) }));
  }
}

/** The feed behind the guard, with a token that is valid until `revoke()`; the fees the door was handed. */
function setup() {
  const state = buildSidecar(parseSidecarConfig(testConfig()), new ManualClock(0)).state;
  const fees: string[] = [];
  const apply = state.applyReports.bind(state);
  state.applyReports = (reports, bases) => {
    for (const r of reports) fees.push(String(r.fill?.fee?.amount ?? ""));
    return apply(reports, bases);
  };
  // Each message's answer (or refusal) goes through afterDurable: `answeredAll(n)` resolves once n have.
  let answers = 0;
  let waiting: { n: number; resolve: () => void } | undefined;
  const afterDurable = state.afterDurable.bind(state);
  state.afterDurable = (callback) => {
    afterDurable(callback);
    answers++;
    if (waiting && answers >= waiting.n) waiting.resolve();
  };
  const answeredAll = (n: number): Promise<void> => (answers >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve })));

  let valid = true;
  const authenticator: Authenticator = {
    local: false,
    authenticate: () => (valid ? { principal: FEED, revocable: "token" } : { refused: "the bearer token is not valid" }),
  };
  const revocableStreams = new RevocableStreams();
  const denials: Denial[] = [];
  const service = feedService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }, { maxQueuedMessages: 1024 });
  const guarded: UntypedServiceImplementation = guardService(ExecutionReportFeedService, service, {
    authenticator,
    revocableStreams,
    onDenied: (d) => denials.push(d),
    access: new Map([[PUBLISH_PATH, ["feed"]]]),
  });
  const call = new FakeCall();
  (guarded.publish as (c: unknown) => void)(call);
  const revoke = (): number => {
    valid = false;
    return revocableStreams.revokeStale(authenticator);
  };
  return { call, fees, answeredAll, revoke, revocableStreams, denials };
}

const N = REPORTS_PER_SLICE * 3 + 5;

describe("a feed stream ended between the slices of a message", () => {
  it("revoked: the rest of the message is applied, as for a lost client; the message queued behind it is not", async () => {
    const s = setup();
    expect(s.revocableStreams.size).toBe(1);
    s.call.publish(1n, N, "1"); // its first slice now, the rest in later turns
    s.call.publish(2n, 1, "2"); // received, queued behind it
    expect(s.fees).toHaveLength(REPORTS_PER_SLICE);

    expect(s.revoke()).toBe(1);
    expect(s.denials.map((d) => [d.actor, d.reason])).toEqual([["feed-a", "UNAUTHENTICATED"]]);
    expect(s.revocableStreams.size).toBe(0);

    await s.answeredAll(2);
    // Every report of the message accepted as a whole landed; nothing of the one behind it did.
    expect(s.fees).toEqual(Array(N).fill("1"));
    // The stream is over: neither answer is written.
    expect(s.call.written).toEqual([]);
  });

  it("lost (the client cancelled): the same", async () => {
    const s = setup();
    s.call.publish(1n, N, "1");
    s.call.publish(2n, 1, "2");
    expect(s.fees).toHaveLength(REPORTS_PER_SLICE);

    s.call.cancelled = true;
    s.call.emit("cancelled");
    expect(s.revocableStreams.size).toBe(0);

    await s.answeredAll(2);
    expect(s.fees).toEqual(Array(N).fill("1"));
    expect(s.call.written).toEqual([]);
    // A stream that ended is unlisted: revoking its token afterwards records nothing.
    expect(s.revoke()).toBe(0);
    expect(s.denials).toEqual([]);
  });
});

describe("through the server, a feed stream whose token is revoked between the slices of a message", () => {
  let creds: Credentials;
  beforeAll(() => {
    creds = new Credentials();
  });
  afterAll(() => creds.remove());

  it("ends UNAUTHENTICATED, and every report of the message is applied", async () => {
    const h = await startSecureHarness(creds.security());
    try {
      const security = (h.server as unknown as { security: SecuritySetup }).security;
      // What a reload does once the new file is in force, run between the first slice and the
      // second (synchronously, in the first slice's turn): feed-a's token no longer authenticates.
      const revoked: Authenticator = {
        local: false,
        authenticate: (c) => {
          const a = security.authenticator.authenticate(c);
          return "principal" in a && a.principal.name === "feed-a" ? { refused: UNAUTHENTICATED_TEXTS.token } : a;
        },
      };
      const state = h.server.state;
      const apply = state.applyReports.bind(state);
      let applied = 0;
      let revokedStreams = -1;
      let allApplied: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (allApplied = resolve));
      state.applyReports = (reports, bases) => {
        const results = apply(reports, bases);
        applied += reports.length;
        if (revokedStreams < 0) revokedStreams = security.revocableStreams.revokeStale(revoked);
        if (applied === N) allApplied();
        return results;
      };
      const call = (h.connect(creds.token("feed-a")).feed.publish as () => ClientDuplexStream<PublishRequest, PublishResponse>)();
      const ended = new Promise<StatusObject>((resolve) => call.on("status", resolve));
      call.on("error", () => undefined);
      call.write(create(PublishRequestSchema, { correlationId: 1n, reports: Array.from({ length: N }, () => feeReport("1")) }));

      const s = await ended;
      expect(s.code).toBe(status.UNAUTHENTICATED);
      expect(s.details).toMatch(/token revoked/);
      expect(revokedStreams).toBe(1);
      // The message was received and accepted as a whole: its remaining slices landed after the revocation.
      await done;
      expect(applied).toBe(N);
      expect(h.denials.filter((d) => d.actor === "feed-a" && /token revoked/.test(d.detail))).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});
