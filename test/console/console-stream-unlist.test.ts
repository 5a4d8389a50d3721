/**
 * A console event stream (an in-process server stream, in-process-call.ts) that a bearer
 * token admitted is listed in RevocableStreams until it ends. Ended by its handler through
 * `end()` (shutdown's close) or `destroy()` (a broken stream), it used to stay listed: the
 * in-process call emitted neither 'finish' nor 'close', so a later revocation of the token
 * "ended" a stream already gone and wrote a denial record for it.
 */
import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { AccountEventService, SubscribeRequestSchema } from "../../gen/openpit/sidecar/v1/events_pb.js";
import type { Authenticator } from "../../src/server/security/authenticator.js";
import { methodPath } from "../../src/server/security/method-access.js";
import type { Principal } from "../../src/server/security/principal.js";
import { guardService } from "../../src/server/security/service-guard.js";
import { RevocableStreams } from "../../src/server/security/revocable-streams.js";
import type { Denial } from "../../src/server/services/service-context.js";
import { openServerStreamInProcess, type StreamSink } from "../../src/server/console/in-process-call.js";

const SUBSCRIBE = AccountEventService.method.subscribe;
const PATH = methodPath(SUBSCRIBE);
const MONITOR: Principal = { name: "monitor", roles: new Set(["monitor"]), allAccounts: true, accounts: new Set(), groups: new Set() };

/** One token, valid until `revoke()`; the streams it admitted; every denial recorded. */
function setup(handler: (call: { end(): void; destroy(e?: Error): void }) => void) {
  let valid = true;
  const authenticator: Authenticator = {
    local: false,
    authenticate: () => (valid ? { principal: MONITOR, revocable: "token" } : { refused: "the bearer token is not valid" }),
  };
  const revocableStreams = new RevocableStreams();
  const denials: Denial[] = [];
  const impl: UntypedServiceImplementation = { subscribe: handler as UntypedServiceImplementation[string] };
  const guarded = guardService(AccountEventService, impl, { authenticator, revocableStreams, onDenied: (d) => denials.push(d), access: new Map([[PATH, "authenticated"]]) });
  const outcome: string[] = [];
  const sink: StreamSink = {
    write: () => true,
    onDrain: () => undefined,
    end: () => outcome.push("end"),
    fail: (e) => outcome.push(`fail ${e.code}`),
  };
  const open = (): void => {
    // The console's own cancel is not called: the browser has not gone, the server ended the stream.
    openServerStreamInProcess(guarded, SUBSCRIBE.localName, PATH, create(SubscribeRequestSchema), { authorization: "Bearer t", peer: "http:127.0.0.1:1" }, sink);
  };
  const revoke = (): number => {
    valid = false;
    return revocableStreams.revokeStale(authenticator);
  };
  return { open, revoke, revocableStreams, denials, outcome };
}

describe("a console stream a token admitted", () => {
  it("is listed while open, and a revocation ends it with one denial record", () => {
    const s = setup(() => undefined);
    s.open();
    expect(s.revocableStreams.size).toBe(1);
    expect(s.revoke()).toBe(1);
    expect(s.denials.map((d) => d.reason)).toEqual(["UNAUTHENTICATED"]);
    expect(s.outcome).toEqual(["fail 16"]);
  });

  it("ended through end() (shutdown's close) is unlisted: a later revocation records no denial for it", () => {
    const s = setup((call) => call.end());
    s.open();
    expect(s.outcome).toEqual(["end"]);
    expect(s.revocableStreams.size).toBe(0);
    expect(s.revoke()).toBe(0);
    expect(s.denials).toEqual([]);
    expect(s.outcome).toEqual(["end"]);
  });

  it("ended through destroy() (a broken stream) is unlisted: a later revocation records no denial for it", () => {
    const s = setup((call) => call.destroy(new Error("broken")));
    s.open();
    expect(s.outcome).toEqual(["fail 13"]);
    expect(s.revocableStreams.size).toBe(0);
    expect(s.revoke()).toBe(0);
    expect(s.denials).toEqual([]);
    expect(s.outcome).toEqual(["fail 13"]);
  });
});
