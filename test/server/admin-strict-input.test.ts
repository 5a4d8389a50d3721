/**
 * Strict admin input, over every AdminService RPC: an empty request and each required field
 * missing or malformed answer INVALID_ARGUMENT naming the field (with a stable kind), never
 * OK, INTERNAL or UNKNOWN; and nothing changes — the whole state (snapshot bytes, audit
 * trail included) is the same afterwards and no event was published.
 */
import { create, fromBinary } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, Metadata, status, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { encodePlain } from "../../src/state/plain-data.js";
import { ACCOUNT, startHarness, type Harness } from "./harness.js";
import { adminFailure } from "./results.js";

interface BadCase {
  readonly request: Record<string, unknown>;
  readonly field: string;
  /** The whole status message, or a pattern for messages that quote a parser. */
  readonly message: string | RegExp;
  readonly kind: string;
}

const required = (request: Record<string, unknown>, field: string): BadCase => ({ request, field, message: `${field} is required`, kind: "MISSING_FIELD" });
const malformed = (request: Record<string, unknown>, field: string, message: string | RegExp, kind = "INVALID_VALUE"): BadCase => ({ request, field, message, kind });

const KILL_SWITCH = "PnlBoundsKillSwitchPolicy";
const aapl = { case: "instrumentId", value: 1n };

/**
 * Every RPC of the contract. `emptyIsValid` names the ones whose empty request means
 * something (documented in admin.proto); every other RPC's first case is the empty request.
 */
const TABLE: Record<string, { readonly emptyIsValid?: string; readonly cases: readonly BadCase[] }> = {
  blockAccount: {
    cases: [required({}, "account_id"), required({ accountId: ACCOUNT }, "reason"), required({ accountId: ACCOUNT, reason: "  " }, "reason")],
  },
  unblockAccount: { cases: [required({}, "account_id")] },
  replaceAccountBlockReason: { cases: [required({}, "account_id"), required({ accountId: ACCOUNT }, "reason")] },
  blockGroup: { cases: [required({}, "group_id"), required({ groupId: 7 }, "reason")] },
  unblockGroup: { cases: [required({}, "group_id")] },
  replaceGroupBlockReason: { cases: [required({}, "group_id"), required({ groupId: 7 }, "reason")] },
  registerGroup: {
    cases: [required({}, "account_ids"), required({ accountIds: [ACCOUNT, 0n], groupId: 7 }, "account_ids[1]"), required({ accountIds: [ACCOUNT] }, "group_id")],
  },
  unregisterGroup: {
    cases: [required({}, "account_ids"), required({ accountIds: [0n], groupId: 7 }, "account_ids[0]"), required({ accountIds: [ACCOUNT] }, "group_id")],
  },
  setAccountCurrency: { cases: [required({}, "account_id"), required({ accountId: ACCOUNT, currency: " " }, "currency")] },
  retireAccount: { cases: [required({}, "account_id")] },
  setGroupCurrency: { emptyIsValid: "clears the engine-wide default currency (group 0)", cases: [required({ groupId: 7, currency: " " }, "currency")] },
  configurePolicy: {
    cases: [
      required({}, "policy_name"),
      required({ policyName: "RateLimitPolicy" }, "settings_json"),
      malformed({ policyName: "RateLimitPolicy", settingsJson: "{broker:" }, "settings_json", /^settings_json is not JSON: /),
      malformed({ policyName: "RateLimitPolicy", settingsJson: "{}", expectedSettingsJson: "{broker:" }, "expected_settings_json", /^expected_settings_json is not JSON: /),
    ],
  },
  getPolicySettings: { cases: [required({}, "policy_name"), required({ policyName: " " }, "policy_name")] },
  setPnlAccumulator: {
    cases: [
      required({}, "policy_name"),
      required({ policyName: KILL_SWITCH }, "account_id"),
      required({ policyName: KILL_SWITCH, accountId: ACCOUNT }, "settlement_asset"),
      required({ policyName: KILL_SWITCH, accountId: ACCOUNT, settlementAsset: "USD" }, "pnl"),
      malformed({ policyName: KILL_SWITCH, accountId: ACCOUNT, settlementAsset: "USD", pnl: "1e3" }, "pnl", "pnl: InvalidFormat: Pnl: '1e3' is not a plain decimal number"),
    ],
  },
  setSpotFundsAccountPnl: {
    cases: [
      required({}, "policy_name"),
      required({ policyName: "SpotFundsPolicy" }, "account_id"),
      required({ policyName: "SpotFundsPolicy", accountId: ACCOUNT }, "state"),
      required({ policyName: "SpotFundsPolicy", accountId: ACCOUNT, state: {} }, "state.value|halted"),
      malformed(
        { policyName: "SpotFundsPolicy", accountId: ACCOUNT, state: { state: { case: "value", value: "x" } } },
        "state.value",
        "state.value: InvalidFormat: Pnl: 'x' is not a plain decimal number",
      ),
      malformed({ policyName: "SpotFundsPolicy", accountId: ACCOUNT, state: { state: { case: "halted", value: 99 } } }, "state.halted", "state.halted: unknown enum value 99", "UNKNOWN_ENUM"),
    ],
  },
  registerInstrument: {
    cases: [
      required({}, "instrument"),
      required({ instrument: {} }, "instrument.underlying_asset"),
      required({ instrument: { underlyingAsset: "MSFT" } }, "instrument.settlement_asset"),
      malformed({ instrument: { underlyingAsset: "MSFT", settlementAsset: "USD" }, ttlMs: -1 }, "ttl_ms", "ttl_ms: must be a non-negative number of milliseconds"),
    ],
  },
  pushQuote: {
    cases: [
      required({}, "instrument_id|instrument"),
      required({ target: aapl }, "quote"),
      required({ target: { case: "instrument", value: {} } }, "instrument.underlying_asset"),
      malformed({ target: aapl, quote: { mark: "abc" } }, "quote.mark", "quote.mark: InvalidFormat: Price: 'abc' is not a plain decimal number"),
      required({ target: aapl, quote: { mark: "1" }, accountIds: [0n] }, "account_ids[0]"),
    ],
  },
  // Client streaming: answered once, with counts; see the StreamQuotes suite below.
  streamQuotes: { cases: [] },
  getAccountState: { cases: [required({}, "account_id")] },
  getJournalStatus: { emptyIsValid: "has no fields", cases: [] },
  setTradingState: {
    cases: [
      required({}, "scope.account_id|group_id|global"),
      required({ scope: { scope: { case: "groupId", value: 0 } } }, "scope.group_id"),
      malformed({ scope: { scope: { case: "global", value: false } } }, "scope.global", "scope.global: must be true when chosen"),
      required({ scope: { scope: { case: "global", value: true } } }, "state"),
      malformed({ scope: { scope: { case: "global", value: true } }, state: 9 }, "state", "state: unknown trading state 9"),
    ],
  },
  getTradingStates: { emptyIsValid: "names the only TradingStatePolicy", cases: [] },
  // Replicated mode (docs/high-availability.md): no fields; without replication StepDown is FAILED_PRECONDITION.
  getReplicationStatus: { emptyIsValid: "has no fields", cases: [] },
  stepDown: { emptyIsValid: "has no fields", cases: [] },
  queryAudit: {
    emptyIsValid: "matches every record",
    cases: [
      malformed({ outcome: 9 }, "outcome", "outcome: unknown enum value 9", "UNKNOWN_ENUM"),
      malformed({ fromTimeMs: -1 }, "from_time_ms", "from_time_ms: must be a non-negative number of epoch milliseconds"),
      malformed({ fromTimeMs: 2000, toTimeMs: 1000 }, "to_time_ms", "to_time_ms: must not be before from_time_ms"),
    ],
  },
  // The operator queries (operator.proto): every filter optional, nothing to refuse.
  listAccounts: { emptyIsValid: "lists every known account", cases: [] },
  listChannels: { emptyIsValid: "has no fields", cases: [] },
  getServerStatus: { emptyIsValid: "has no fields", cases: [] },
};

describe("strict admin input", () => {
  let h: Harness;
  let events = 0;
  beforeAll(async () => {
    h = await startHarness();
    h.server.state.events.subscribe(() => events++);
  });
  afterAll(async () => {
    await h.close();
  });

  /** The state as bytes (engine, market data, channels, audit trail, last command time) and the events published. */
  const fingerprint = () => ({ state: Buffer.from(encodePlain(h.server.state.snapshot())).toString(), events });

  /** Runs `call` and checks that it changed nothing at all. */
  async function unchanged<T>(call: () => Promise<T>): Promise<T> {
    const before = fingerprint();
    const result = await call();
    await h.server.state.journal.flush();
    expect(fingerprint()).toEqual(before);
    return result;
  }

  it("the table covers every AdminService RPC", () => {
    expect(Object.keys(TABLE).sort()).toEqual(ad.AdminService.methods.map((m) => m.localName).sort());
  });

  for (const [method, { emptyIsValid, cases }] of Object.entries(TABLE)) {
    if (method === "streamQuotes") continue;
    if (emptyIsValid === undefined) {
      it(`${method}: the first case is the empty request`, () => {
        expect(cases[0]?.request).toEqual({});
      });
    }
    for (const c of cases) {
      it(`${method} ${JSON.stringify(c.request, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}: INVALID_ARGUMENT naming ${c.field}, nothing changes`, async () => {
        const [code, message, kind] = await unchanged(() => adminFailure(h, method, c.request));
        expect([code, kind]).toEqual([status.INVALID_ARGUMENT, c.kind]);
        if (typeof c.message === "string") expect(message).toBe(c.message);
        else expect(message).toMatch(c.message);
        expect(message.startsWith(c.field)).toBe(true);
      });
    }
  }

  it("setGroupCurrency, getJournalStatus and queryAudit take an empty request by design", async () => {
    await h.admin("getJournalStatus", {});
    await h.admin("queryAudit", {});
    await h.admin("setGroupCurrency", {});
    const state = await h.admin<ad.GetAccountStateResponse>("getAccountState", { accountId: ACCOUNT });
    expect(state.currency).toBe("");
  });

  it("bytes that do not decode as the request: INVALID_ARGUMENT on every unary RPC, nothing changes", async () => {
    const Raw = makeGenericClientConstructor({}, "raw");
    const raw = new Raw(h.address, credentials.createInsecure());
    // Field 1 as a varint cut short: no message type reads it.
    const garbage = Buffer.from([0x08, 0xff]);
    try {
      for (const m of ad.AdminService.methods) {
        if (m.methodKind !== "unary") continue;
        const e = await unchanged(
          () =>
            new Promise<ServiceError>((resolve, reject) =>
              raw.makeUnaryRequest(`/${ad.AdminService.typeName}/${m.name}`, (b: Buffer) => b, (b: Buffer) => b, garbage, new Metadata(), {}, (err, v) =>
                err ? resolve(err) : reject(new Error(`${m.name} answered ${String(v)}`)),
              ),
            ),
        );
        expect([m.name, e.code, e.metadata.get("openpit-error-kind")[0]]).toEqual([m.name, status.INVALID_ARGUMENT, "INVALID_VALUE"]);
        expect(e.details).toMatch(/^request: message could not be decoded: /);
      }
    } finally {
      raw.close();
    }
  });

  describe("StreamQuotes: each malformed tick is counted as failed, the first error names its field", () => {
    const stream = (messages: readonly (ad.StreamQuotesRequest | Buffer)[]) =>
      new Promise<ad.StreamQuotesResponse>((resolve, reject) => {
        type StreamQuotes = (cb: (e: Error | null, r: ad.StreamQuotesResponse) => void) => ClientWritableStream<ad.StreamQuotesRequest>;
        const call = (h.clients.admin.streamQuotes as StreamQuotes)((e, r) => (e ? reject(e) : resolve(r)));
        for (const m of messages) call.write(m as ad.StreamQuotesRequest);
        call.end();
      });
    const tick = (push: Record<string, unknown> | undefined) => create(ad.StreamQuotesRequestSchema, (push === undefined ? {} : { push }) as never);
    const CASES: readonly [Record<string, unknown> | undefined, string][] = [
      [undefined, "push is required"],
      [{}, "push.instrument_id|instrument is required"],
      [{ target: aapl }, "push.quote is required"],
      [{ target: { case: "instrument", value: { underlyingAsset: "MSFT" } }, quote: {} }, "push.instrument.settlement_asset is required"],
      [{ target: aapl, quote: { bid: "1.2.3" } }, "push.quote.bid: InvalidFormat: Price: '1.2.3' is not a plain decimal number"],
      [{ target: aapl, quote: { mark: "1" }, accountIds: [ACCOUNT, 0n] }, "push.account_ids[1] is required"],
    ];
    it("a tick whose bytes do not decode", async () => {
      const Raw = makeGenericClientConstructor({}, "raw");
      const raw = new Raw(h.address, credentials.createInsecure());
      try {
        const answer = await unchanged(
          () =>
            new Promise<ad.StreamQuotesResponse>((resolve, reject) => {
              const call = raw.makeClientStreamRequest(
                `/${ad.AdminService.typeName}/StreamQuotes`,
                (b: Buffer) => b,
                (b: Buffer) => fromBinary(ad.StreamQuotesResponseSchema, b),
                new Metadata(),
                {},
                (e, r) => (e ? reject(e) : resolve(r!)),
              );
              call.write(Buffer.from([0x08, 0xff]));
              call.end();
            }),
        );
        expect([answer.accepted, answer.failed]).toEqual([0n, 1n]);
        expect(answer.firstError).toMatch(/^request: message could not be decoded: /);
      } finally {
        raw.close();
      }
    });
    for (const [push, firstError] of CASES) {
      it(firstError, async () => {
        const answer = await unchanged(() => stream([tick(push)]));
        expect([answer.accepted, answer.failed, answer.firstError]).toEqual([0n, 1n, firstError]);
      });
    }
    // Found by review (session 35): a market-data error does not know the request's field;
    // PushQuote named it, the stream did not. (A decoded tick that fails is audited: not `unchanged`.)
    it("a tick on an unregistered instrument id names push.instrument_id, as PushQuote does", async () => {
      const answer = await stream([tick({ target: { case: "instrumentId", value: 99n }, quote: { mark: "1" } })]);
      expect([answer.accepted, answer.failed, answer.firstError]).toEqual([0n, 1n, "push.instrument_id: UnknownInstrumentId: instrument id 99 is not registered"]);
    });
  });
});
