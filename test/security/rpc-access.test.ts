/**
 * Every RPC of every served service, called by one principal of each role and by a caller
 * without credentials: allowed calls answer, refused ones get the exact status, reach no
 * handler and leave the state exactly as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { status, type ClientDuplexStream, type ClientReadableStream, type ServiceError, type UntypedServiceImplementation } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import * as fd from "../../gen/openpit/sidecar/v1/feed_pb.js";
import * as ev from "../../gen/openpit/sidecar/v1/events_pb.js";
import { Health, HealthCheckRequestSchema } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection, ServerReflectionRequestSchema } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { AccountId } from "../../src/param/index.js";
import { makeClient, type ConnectOptions, type GenericClient } from "../../src/client/index.js";
import { SERVED_SERVICES } from "../../src/server/server.js";
import { METHOD_ACCESS } from "../../src/server/security/method-access.js";
import { guardService } from "../../src/server/security/service-guard.js";
import { LOCAL_AUTHENTICATOR } from "../../src/server/security/authenticator.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { fill } from "../server/results.js";
import { Credentials, ROLE_HOLDERS, startSecureHarness, type SecureHarness, type Who } from "./secure-harness.js";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Caller = Who | "nobody";
const CALLERS: readonly Caller[] = [...ROLE_HOLDERS, "nobody"];
type Outcome = "OK" | status;

const OPERATOR: readonly Who[] = ["operator"];
const READERS: readonly Who[] = ["monitor", "operator"];

/**
 * Who may call what, written out here independently of the server's table. The order is
 * the order the calls run in (an unblock needs a block before it).
 */
const EXPECTED: ReadonlyArray<readonly [string, readonly Who[] | "public" | "authenticated"]> = [
  ["/openpit.sidecar.v1.AccountChannelService/Open", ["gateway-a"]],
  ["/openpit.sidecar.v1.ExecutionReportFeedService/Publish", ["feed-a"]],
  ["/openpit.sidecar.v1.AccountEventService/Subscribe", READERS],
  ["/openpit.sidecar.v1.AdminService/BlockAccount", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/ReplaceAccountBlockReason", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/UnblockAccount", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/BlockGroup", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/ReplaceGroupBlockReason", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/UnblockGroup", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/RegisterGroup", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/UnregisterGroup", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/SetAccountCurrency", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/SetGroupCurrency", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/RetireAccount", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/ConfigurePolicy", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/GetPolicySettings", READERS],
  ["/openpit.sidecar.v1.AdminService/SetPnlAccumulator", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/SetSpotFundsAccountPnl", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/RegisterInstrument", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/PushQuote", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/StreamQuotes", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/GetAccountState", READERS],
  ["/openpit.sidecar.v1.AdminService/GetJournalStatus", READERS],
  ["/openpit.sidecar.v1.AdminService/QueryAudit", READERS],
  ["/openpit.sidecar.v1.AdminService/SetTradingState", OPERATOR],
  ["/openpit.sidecar.v1.AdminService/GetTradingStates", READERS],
  ["/openpit.sidecar.v1.AdminService/ListAccounts", READERS],
  ["/openpit.sidecar.v1.AdminService/ListChannels", READERS],
  ["/openpit.sidecar.v1.AdminService/GetServerStatus", READERS],
  ["/openpit.sidecar.v1.AdminService/GetReplicationStatus", READERS],
  ["/openpit.sidecar.v1.AdminService/StepDown", OPERATOR],
  ["/grpc.health.v1.Health/Check", "public"],
  ["/grpc.health.v1.Health/Watch", "public"],
  ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "authenticated"],
];

const FOREIGN = 77n;
const GROUP = 9;

/** A valid admin request for each admin method, so an allowed call answers OK. */
const ADMIN_REQUESTS: Record<string, unknown> = {
  blockAccount: { accountId: FOREIGN, reason: "compliance hold" },
  replaceAccountBlockReason: { accountId: FOREIGN, reason: "still held" },
  unblockAccount: { accountId: FOREIGN },
  blockGroup: { groupId: GROUP, reason: "desk closed" },
  replaceGroupBlockReason: { groupId: GROUP, reason: "still closed" },
  unblockGroup: { groupId: GROUP },
  registerGroup: { accountIds: [FOREIGN], groupId: GROUP },
  unregisterGroup: { accountIds: [FOREIGN], groupId: GROUP },
  setAccountCurrency: { accountId: FOREIGN, currency: "USD" },
  setGroupCurrency: { groupId: GROUP, currency: "USD" },
  retireAccount: { accountId: ACCOUNT },
  configurePolicy: { policyName: "RateLimitPolicy", settingsJson: '{"broker":{"maxOrders":1000000,"windowMs":1000}}' },
  getPolicySettings: { policyName: "RateLimitPolicy" },
  setPnlAccumulator: { policyName: "PnlBoundsKillSwitchPolicy", accountId: FOREIGN, settlementAsset: "USD", pnl: "0" },
  setSpotFundsAccountPnl: { policyName: "SpotFundsPolicy", accountId: FOREIGN, state: { state: { case: "value", value: "0" } } },
  registerInstrument: { instrument: { underlyingAsset: "MSFT", settlementAsset: "USD" } },
  pushQuote: { target: { case: "instrumentId", value: 1n }, quote: { mark: "100" } },
  getAccountState: { accountId: ACCOUNT },
  getJournalStatus: {},
  queryAudit: {},
  // TRADING_STATE_ACTIVE = 1.
  setTradingState: { scope: { scope: { case: "accountId", value: FOREIGN } }, state: 1 },
  getTradingStates: {},
  listAccounts: {},
  listChannels: {},
  getServerStatus: {},
  getReplicationStatus: {},
  stepDown: {},
};

/** What an allowed call answers when it is not OK: a single sidecar has nobody to step down to. */
const ALLOWED_OUTCOME: Record<string, Outcome> = {
  "/openpit.sidecar.v1.AdminService/StepDown": status.FAILED_PRECONDITION,
};

function outcome<T>(p: Promise<T>): Promise<Outcome> {
  return p.then(
    () => "OK" as const,
    (e: ServiceError) => e.code,
  );
}

const unary = (client: GenericClient, method: string, schema: DescMessage, init: unknown) =>
  outcome(
    new Promise((resolve, reject) => {
      client[method]!(create(schema, init as MessageInitShape<DescMessage>), (err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)));
    }),
  );

/** A stream the server answers: OK on its first message (then closed cleanly), else the status it failed with. */
function firstAnswer(call: ClientReadableStream<unknown> | ClientDuplexStream<unknown, unknown>, send?: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    call.on("data", () => {
      if (settled) return;
      settled = true;
      // Half-close and wait for the server's status, so the stream is gone before the next call.
      if ("end" in call && send !== undefined) {
        call.on("status", () => resolve("OK"));
        call.end();
      } else {
        call.on("error", () => {});
        (call as ClientReadableStream<unknown>).cancel();
        resolve("OK");
      }
    });
    call.on("error", (e: ServiceError) => {
      if (settled) return;
      settled = true;
      resolve(e.code);
    });
    if (send !== undefined) (call as ClientDuplexStream<unknown, unknown>).write(send);
  });
}

describe("every RPC, for every role", () => {
  let creds: Credentials;
  let h: SecureHarness;
  const clientsOf = new Map<Caller, Record<string, GenericClient>>();

  beforeAll(async () => {
    creds = new Credentials();
    h = await startSecureHarness(creds.security(), { policies: [...(testConfig().policies as unknown[]), { type: "TradingStatePolicy", settings: {} }] });
    for (const caller of CALLERS) {
      const options: ConnectOptions = caller === "nobody" ? creds.nobody() : creds.certificate(caller);
      const c = h.connect(options);
      clientsOf.set(caller, { channel: c.channel, feed: c.feed, events: c.events, admin: c.admin, health: c.health, reflection: makeClient(ServerReflection, h.address, {}, options) });
    }
  });
  afterAll(async () => {
    clientsOf.forEach((c) => c.reflection!.close());
    await h.close();
    creds.remove();
  });

  /** Calls `path` as the caller whose clients these are. */
  function invoke(path: string, c: Record<string, GenericClient>): Promise<Outcome> {
    const [service, method] = path.slice(1).split("/") as [string, string];
    const local = method[0]!.toLowerCase() + method.slice(1);
    switch (service) {
      case "openpit.sidecar.v1.AccountChannelService":
        return firstAnswer(c.channel!.open!() as ClientDuplexStream<unknown, unknown>, create(ch.OpenRequestSchema, {
          correlationId: 1n,
          commands: [{ command: { case: "bindAccounts", value: { accountIds: [ACCOUNT] } } }],
        }));
      case "openpit.sidecar.v1.ExecutionReportFeedService":
        return firstAnswer(c.feed!.publish!() as ClientDuplexStream<unknown, unknown>, create(fd.PublishRequestSchema, { correlationId: 1n, reports: [fill({ qty: "0", price: "100" })] }));
      case "openpit.sidecar.v1.AccountEventService": {
        const call = c.events!.subscribe!(create(ev.SubscribeRequestSchema)) as ClientReadableStream<unknown>;
        return firstAnswer(call);
      }
      case "openpit.sidecar.v1.AdminService": {
        if (local === "streamQuotes") {
          return outcome(
            new Promise((resolve, reject) => {
              const call = c.admin!.streamQuotes!((err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res))) as ClientDuplexStream<unknown, unknown>;
              call.write(create(ad.StreamQuotesRequestSchema, { push: ADMIN_REQUESTS.pushQuote as never }));
              call.end();
            }),
          );
        }
        const input = (ad.AdminService.method as Record<string, { input: DescMessage }>)[local]!.input;
        return unary(c.admin!, local, input, ADMIN_REQUESTS[local]);
      }
      case "grpc.health.v1.Health":
        if (local === "check") return unary(c.health!, "check", HealthCheckRequestSchema, { service: "" });
        return firstAnswer(c.health!.watch!(create(HealthCheckRequestSchema, { service: "" })) as ClientReadableStream<unknown>);
      case "grpc.reflection.v1.ServerReflection":
        return firstAnswer(c.reflection!.serverReflectionInfo!() as ClientDuplexStream<unknown, unknown>, create(ServerReflectionRequestSchema, {
          messageRequest: { case: "listServices", value: "" },
        }));
    }
    throw new Error(`no way to call ${path}`);
  }

  it("the expectations cover every method of every served descriptor, and the server's table has an entry for each", () => {
    const served = SERVED_SERVICES.flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`)).sort();
    expect(EXPECTED.map(([path]) => path).sort()).toEqual(served);
    for (const path of served) expect(METHOD_ACCESS.has(path), path).toBe(true);
    // No entry for a method that is not served: the table and the contract move together.
    expect([...METHOD_ACCESS.keys()].filter((p) => !served.includes(p))).toEqual([]);
  });

  for (const [path, allowed] of EXPECTED) {
    for (const caller of CALLERS) {
      const mayCall = allowed === "public" || (caller !== "nobody" && (allowed === "authenticated" || allowed.includes(caller)));
      const expected: Outcome = mayCall ? (ALLOWED_OUTCOME[path] ?? "OK") : caller === "nobody" ? status.UNAUTHENTICATED : status.PERMISSION_DENIED;
      it(`${path} as ${caller}: ${mayCall ? "OK" : status[expected]}`, async () => {
        const events = h.server.state.events;
        let restore = (): void => {};
        if (mayCall && path.endsWith("/Subscribe")) {
          // An allowed subscriber hears the next event: published once it has subscribed.
          const subscribe = events.subscribe.bind(events);
          events.subscribe = (listener) => {
            const unsubscribe = subscribe(listener);
            setImmediate(() => events.publish({ kind: "reservationsRolledBack", accountId: AccountId.fromU64(ACCOUNT), reservationIds: [], reason: "recovery" }));
            return unsubscribe;
          };
          restore = () => {
            events.subscribe = subscribe;
          };
        }
        const before = h.server.state.snapshot();
        h.denials.length = 0;
        try {
          expect(await invoke(path, clientsOf.get(caller)!)).toBe(expected);
        } finally {
          restore();
        }
        if (!mayCall) {
          // Refused at the door's doorstep: not one field of the state moved; the only record
          // journaled is the denial on the audit trail, announced as one event.
          const after = h.server.state.snapshot();
          const apart = { audit: undefined, eventSequence: undefined, keptEvents: undefined };
          expect({ ...after, ...apart }).toEqual({ ...before, ...apart });
          expect(after.eventSequence).toBe(before.eventSequence! + 1n);
          // Its one event is kept for monitors that resume: the denial's audit record.
          expect(after.keptEvents!.slice(0, -1)).toEqual(before.keptEvents);
          expect(after.keptEvents!.at(-1)).toMatchObject({ sequence: after.eventSequence, event: { kind: "auditRecorded", record: { outcome: "denied" } } });
          const denied = h.server.state.audit.query({ afterSequence: (before.audit?.nextSequence ?? 1n) - 1n, newestFirst: false, limit: 10 }).records;
          expect(denied.map((r) => [r.actor, r.outcome, r.reason])).toEqual([[caller === "nobody" ? "(unauthenticated)" : caller, "denied", status[expected]]]);
          expect(h.denials).toEqual([
            {
              actor: caller === "nobody" ? "(unauthenticated)" : caller,
              action: path,
              reason: status[expected],
              // The peer is recorded with a role refusal too (found by review, session 31).
              detail:
                caller === "nobody"
                  ? expect.stringContaining("no credentials")
                  : expect.stringMatching(new RegExp(`^${escapeRegExp(`principal '${caller}' may not call ${path}: it needs the role ${METHOD_ACCESS_TEXT(path)}`)} \\(peer [^)]+\\)$`)),
            },
          ]);
        }
      });
    }
  }
});

/** The role list a refusal names, as the server words it. */
function METHOD_ACCESS_TEXT(path: string): string {
  const access = METHOD_ACCESS.get(path)!;
  return Array.isArray(access) ? access.join(" or ") : String(access);
}

describe("the guard fails closed", () => {
  it("a method without an entry in the access table reaches no handler, even for the all-powerful local user", async () => {
    let reached = false;
    const impl: UntypedServiceImplementation = { check: () => (reached = true) };
    const guarded = guardService(Health, impl, { authenticator: LOCAL_AUTHENTICATOR, access: new Map() });
    const answer = await new Promise<{ code: status; details: string }>((resolve) => {
      const call = { metadata: undefined, getAuthContext: () => ({}), getPeer: () => "test", emit: () => true };
      (guarded.check as (c: unknown, cb: (e: { code: status; details: string }) => void) => void)(call, resolve);
    });
    expect(answer).toMatchObject({ code: status.PERMISSION_DENIED, details: "/grpc.health.v1.Health/Check is not open to any principal" });
    expect(reached).toBe(false);
  });
});
