/**
 * A seeded random workload (session 30's snapshot review) over all fourteen built-in policies,
 * driven through the door as closures, so the same step can be run on several states in
 * lock step (the live one and copies restored from its snapshots).
 */
import { ManualClock } from "../../../src/engine/index.js";
import { AccountGroupId, AccountId, Fee, InstrumentId, Pnl, Price, instrument, type Instrument } from "../../../src/param/index.js";
import { PnlState } from "../../../src/model/index.js";
import { buildState } from "../../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import type { SidecarState } from "../../../src/state/sidecar-state.js";
import { seededRandom } from "../../../bench/workload.js";
import { balanceAdjustment, cancelReport, fillReport, report, spotOrder, accountPnlAdjustment } from "../../helpers/spot-funds.js";
import { testConfig } from "../../server/harness.js";
import { RecordingJournal } from "../recording-journal.js";
import { OpenpitError } from "../../../src/param/param-error.js";
import { CommandError } from "../../../src/state/command-error.js";

export const ACCOUNTS = [11n, 12n, 13n, 14n, 15n].map((n) => AccountId.fromU64(n));
export const G1 = AccountGroupId.fromU32(3);
export const G2 = AccountGroupId.fromU32(9);
export const INSTRUMENTS: Instrument[] = [instrument("AAPL", "USD"), instrument("MSFT", "USD"), instrument("AAPL", "EUR"), instrument("EUR", "USD")];

export const POLICIES = [
  { type: "OrderValidationPolicy" },
  { type: "RateLimitPolicy", settings: { broker: { maxOrders: 25, windowMs: 1000 }, accountBarriers: [{ accountId: 11, limit: { maxOrders: 6, windowMs: 700 } }] } },
  { type: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: "50", maxNotional: "6000" } } },
  { type: "PnlBoundsKillSwitchPolicy", settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-3000", upperBound: "9000" }, { settlementAsset: "EUR", lowerBound: "-3000" }] } },
  { type: "SpotFundsPolicy", settings: { pricingSource: "Mark", slippageBps: 50, accountLimitModes: [{ accountId: 15, limitMode: "TrackOnly" }], pnlBarrier: { lower: "-500" }, positionLimits: [{ accountId: 12, asset: "AAPL", limit: "80" }] } },
  { type: "PriceCollarPolicy", settings: { default: { maxDeviationPct: "5" }, marketSlippagePct: "1" } },
  { type: "TwoTierThrottlePolicy", settings: { default: { softMaxOrders: 4, hardMaxOrders: 8, windowMs: 1000 } } },
  { type: "RepeatedExecutionThrottlePolicy", settings: { default: { maxExecutions: 4, windowMs: 2000 } } },
  { type: "GrossExposureLimitPolicy", settings: { default: { settlementAsset: "USD", maxNotional: "8000" } } },
  { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 4 } } },
  { type: "SoftLimitPolicy", settings: { shares: ["0.5", "0.9"] } },
  { type: "TradingStatePolicy", settings: {} },
  { type: "RestrictedListPolicy", settings: { entries: [{ groupId: 9, underlyingAsset: "MSFT", sellOnly: true, reason: "watch" }] } },
  { type: "ClientOrderIdPolicy", settings: { retentionMs: 3000 } },
];

export function fuzzConfig() {
  return parseSidecarConfig(
    testConfig({
      limits: { reservationTtlMs: 4_000, maxOpenHandles: 14, maxOpenHandlesPerChannel: 6, maxPinnedAccountsPerOwner: 4 },
      marketData: {
        defaultTtlMs: Number(process.env.FUZZ_TTL ?? 60000),
        instruments: INSTRUMENTS.map((i, n) => ({ id: n + 1, underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset })),
      },
      accounts: { defaultCurrency: "USD", list: [{ id: 13, group: 3 }, { id: 14, group: 9, currency: "EUR" }] },
      policies: process.env.FUZZ_NO_COID ? POLICIES.filter((p) => p.type !== "ClientOrderIdPolicy") : POLICIES,
      ...(process.env.FUZZ_SYNC ? { syncMode: process.env.FUZZ_SYNC } : {}),
    }),
  );
}

export function newDoor(clock: ManualClock, journal = new RecordingJournal()): { state: SidecarState; journal: RecordingJournal } {
  const state = buildState(fuzzConfig(), clock);
  state.attachJournal(journal);
  return { state, journal };
}

/** Stable text of any answer. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Error) return { error: v.name, ...(v as object), message: v.message };
    if (v instanceof Map) return { map: [...v] };
    if (v !== null && typeof v === "object" && "channelId" in v && "openReservationCount" in v) return { channel: (v as { channelId: bigint }).channelId };
    return v;
  });
}

/** Errors a door command may throw by design. */
export function typedError(e: unknown): boolean {
  return e instanceof CommandError || e instanceof OpenpitError;
}

export interface Step {
  readonly text: string;
  readonly advance: number;
  run(s: SidecarState): unknown;
}

interface Open {
  readonly channel: bigint;
  readonly reservation: bigint;
  readonly account: AccountId;
  readonly inst: Instrument;
  readonly side: "BUY" | "SELL";
  readonly qty: number;
  readonly price: string;
  readonly coid?: string;
}

/**
 * The generator. It looks at `s` (the primary) to choose steps, but every step's effect is a
 * closure over plain values, runnable on any state with the same history.
 */
export class Generator {
  private readonly rnd: () => number;
  readonly channels: bigint[] = [];
  private open: Open[] = [];
  private committed: (Open & { left: number })[] = [];
  private requests: { channel: bigint; id: bigint }[] = [];

  constructor(seed: number) {
    this.rnd = seededRandom(seed);
  }

  private int(lo: number, hi: number) {
    return lo + Math.floor(this.rnd() * (hi - lo + 1));
  }
  private pick<T>(l: readonly T[]): T {
    return l[Math.floor(this.rnd() * l.length)]!;
  }
  private chance(p: number) {
    return this.rnd() < p;
  }

  /** Called after a step ran on the primary: learns handles from the answer. */
  learn(step: Step & { meta?: unknown }, answer: unknown, s: SidecarState): void {
    const meta = step.meta as { kind: string; o?: Open } | undefined;
    if (meta?.kind === "openChannel" && answer && typeof answer === "object" && "channelId" in answer) this.channels.push((answer as { channelId: bigint }).channelId);
    if (meta?.kind === "execute" && Array.isArray(answer)) {
      const r = answer[0] as { kind: string; reservationId?: bigint; committed?: boolean; lock?: { prices(): unknown[] } };
      if (r?.kind === "executeAccepted") {
        const price = String(r.lock?.prices()[0] ?? meta.o!.price);
        const o = { ...meta.o!, reservation: r.reservationId!, price };
        if (r.committed) this.committed.push({ ...o, left: o.qty });
        else this.open.push(o);
      }
    }
    if (meta?.kind === "start" && Array.isArray(answer) && (answer[0] as { kind: string })?.kind === "startAccepted") this.requests.push({ channel: (meta as unknown as { ch: bigint }).ch, id: (answer[0] as { requestId: bigint }).requestId });
    if (meta?.kind === "finalize-commit" && Array.isArray(answer) && (answer[0] as { kind: string })?.kind === "finalized") this.committed.push({ ...meta.o!, left: meta.o!.qty });
    // Forget channels and handles gone.
    for (let i = this.channels.length - 1; i >= 0; i--) if (!s.channels.has(this.channels[i]!)) this.channels.splice(i, 1);
    this.requests = this.requests.filter((q) => s.channels.has(q.channel));
    this.open = this.open.filter((o) => s.channels.get(o.channel)?.openReservationsOf(o.account).includes(o.reservation));
  }

  private warm: (Step & { meta?: unknown })[] | undefined;

  private warmup(): (Step & { meta?: unknown })[] {
    const steps: (Step & { meta?: unknown })[] = [];
    const mk = (text: string, run: (s: SidecarState) => unknown, meta?: unknown) => steps.push({ text, advance: 1, run, meta });
    mk("openChannel", (d) => d.openChannel(), { kind: "openChannel" });
    for (const a of ACCOUNTS)
      for (const [asset, amt] of [["USD", "40000"], ["EUR", "40000"], ["AAPL", "100"], ["MSFT", "100"]] as const)
        mk("seed", (d) => d.runChannel(1n, [{ kind: "adjust", accountId: a, adjustments: [balanceAdjustment(asset, { balance: ["abs", amt] })] }]));
    for (let id = 1; id <= 4; id++) mk("quote", (d) => d.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(BigInt(id)) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false }));
    return steps;
  }

  next(s: SidecarState): Step & { meta?: unknown } {
    this.warm ??= this.warmup();
    if (this.warm.length > 0) return this.warm.shift()!;
    const advance = this.chance(0.1) ? this.int(1000, 5000) : this.int(0, 300);
    const a = this.pick(ACCOUNTS);
    const acct = a;
    const x = this.rnd();
    const pinned = s.pins.ownerOf(acct)?.channelId;
    const anyCh = this.channels.length > 0 ? this.pick(this.channels) : undefined;
    const ch = pinned !== undefined && this.channels.includes(pinned) && this.chance(0.95) ? pinned : anyCh;
    const inst = this.pick(INSTRUMENTS);
    const mk = (text: string, run: (s: SidecarState) => unknown, meta?: unknown) => ({ text, advance, run, meta });
    const qty = this.int(1, 30);
    const price = `${this.int(98, 101)}.${this.int(0, 9)}`;
    const side = this.chance(0.65) ? "BUY" : "SELL";

    const owner = this.chance(0.2) ? "bob" : "local";
    if (this.chance(0.08)) return mk("admin unblockAccount", (d) => d.admin({ kind: "unblockAccount", accountId: acct }));
    if (ch === undefined || x < 0.04) return mk("openChannel", (d) => d.openChannel(owner), { kind: "openChannel" });
    if (x < 0.30) {
      const market = this.chance(0.1);
      const coid = this.chance(0.4) ? `c${this.int(0, Number(process.env.FUZZ_COIDS ?? 12))}` : undefined;
      const retry = coid !== undefined && this.chance(0.3);
      const useVolume = this.chance(0.1);
      const order = {
        ...spotOrder({ account: acct, instrument: inst, side, ...(useVolume ? { volume: `${this.int(100, 900)}` } : { qty: `${qty}` }), price: market ? null : price }),
        ...(coid ? { clientOrderId: coid } : {}),
        ...(retry ? { retry: true } : {}),
      };
      const commitOnAccept = this.chance(0.35);
      const v = this.rnd();
      const coin = this.chance(0.5);
      if (v < 0.12) return mk(`dropCopy ${ch}`, (d) => d.runChannel(ch, [{ kind: "dropCopy", order, commitOnAccept: coin }]));
      if (v < 0.2) return mk(`dry ${ch}`, (d) => d.runChannel(ch, [{ kind: coin ? "executeDryRun" : "startDryRun", order }]));
      if (v < 0.3) {
        const then = this.chance(0.5) ? "executeRequest" : "discardRequest";
        if (this.chance(0.5)) return mk(`startOpen ${ch}`, (d) => d.runChannel(ch, [{ kind: "start", order }]), { kind: "start", ch });
        return mk(`start ${ch}`, (d) => {
          const r = d.runChannel(ch, [{ kind: "start", order }]) as { kind: string; requestId?: bigint }[];
          if (r[0]?.kind === "startAccepted") return [r, d.runChannel(ch, [{ kind: then, requestId: r[0]!.requestId! }])];
          return r;
        });
      }
      return mk(`execute ${ch}`, (d) => d.runChannel(ch, [{ kind: "execute", order, commitOnAccept }]), {
        kind: "execute",
        o: { channel: ch, reservation: 0n, account: acct, inst, side, qty: useVolume ? 1 : qty, price, coid },
      });
    }
    if (x < 0.33 && this.requests.length > 0) {
      const q = this.requests.splice(Math.floor(this.rnd() * this.requests.length), 1)[0]!;
      const then = this.chance(0.6) ? "executeRequest" : "discardRequest";
      return mk(`${then} ${q.id}`, (d) => d.runChannel(q.channel, [{ kind: then, requestId: q.id }]));
    }
    if (x < 0.40 && this.open.length > 0) {
      const o = this.pick(this.open);
      this.open.splice(this.open.indexOf(o), 1);
      const commit = this.chance(0.6);
      return mk(`${commit ? "commit" : "rollback"} ${o.reservation}`, (d) => d.runChannel(o.channel, [{ kind: commit ? "commit" : "rollback", reservationId: o.reservation }]), commit ? { kind: "finalize-commit", o } : undefined);
    }
    if (x < 0.55 && (this.committed.length > 0 || this.open.length > 0)) {
      const fromOpen = this.open.length > 0 && (this.committed.length === 0 || this.chance(0.3));
      const c = fromOpen ? { ...this.pick(this.open), left: 0 } : this.pick(this.committed);
      if (fromOpen) c.left = c.qty;
      const fill = Math.min(c.left, this.int(1, c.qty));
      const withCoid = c.coid !== undefined && this.chance(0.7);
      const extra = { account: c.account, instrument: c.inst, ...(this.chance(0.3) ? { fee: ["0.75", this.pick(["USD", "EUR"])] as const } : {}) };
      let rep;
      const v = this.rnd();
      if (v < 0.15) {
        rep = cancelReport(c.side, `${c.left}`, c.price, extra);
        c.left = 0;
      } else if (v < 0.25) {
        // fee only
        rep = report({ ...extra, side: c.side, lockPrice: c.price, leaves: `${c.left}`, final: false, fee: ["1.5", "USD"] });
      } else {
        const final = c.left - fill === 0 || this.chance(0.1);
        rep = fillReport(c.side, `${fill}`, `${this.int(95, 105)}`, { ...extra, lockPrice: c.price, leaves: `${c.left - fill}`, final });
        c.left -= fill;
        if (final) c.left = 0;
      }
      if (c.left === 0 && !fromOpen) this.committed.splice(this.committed.indexOf(c), 1);
      const pnlOf = this.chance(0.9) ? { financialImpact: { pnl: Pnl.fromString(`${this.int(-60, 60)}.${this.int(0, 9)}`), fee: Fee.fromString(this.chance(0.3) ? "0.25" : "0") } } : {};
      let r = withCoid ? { ...rep, ...pnlOf, clientOrderId: c.coid } : { ...rep, ...pnlOf };
      if (this.chance(Number(process.env.FUZZ_GLOBAL ?? 0))) r = { ...r, operation: { instrument: r.operation!.instrument, side: r.operation!.side } } as typeof r;
      if (this.chance(0.2)) return mk(`report-on-channel ${ch}`, (d) => d.runChannel(ch, [{ kind: "report", report: r }]));
      return mk("feed", (d) => d.applyReports([r]));
    }
    if (x < 0.62) {
      const asset = this.pick(["USD", "EUR", "AAPL", "MSFT"]);
      const v = this.rnd();
      const adj =
        v < 0.7
          ? balanceAdjustment(asset, { balance: [this.chance(0.5) ? "abs" : "delta", `${this.int(0, 6000)}.${this.int(0, 99)}`] })
          : v < 0.85
            ? balanceAdjustment(asset, { balance: ["delta", `${this.int(1, 40)}`], averageEntryPrice: "100", realizedPnl: `${this.int(-50, 50)}` })
            : accountPnlAdjustment(PnlState.value(Pnl.fromString(`${this.int(-600, 200)}`)));
      return mk(`adjust ${ch}`, (d) => d.runChannel(ch, [{ kind: "adjust", accountId: acct, adjustments: [adj] }]));
    }
    if (x < 0.72) {
      const mark = Price.fromString(`${this.int(99, 100)}.${this.int(0, 99)}`);
      const bid = this.chance(0.4) ? Price.fromString(`${this.int(90, 99)}`) : undefined;
      const ask = this.chance(0.4) ? Price.fromString(`${this.int(101, 110)}`) : undefined;
      const id = InstrumentId.fromU64(BigInt(this.int(1, 4)));
      const accountIds = this.chance(0.1) ? [acct] : [];
      const groups = accountIds.length === 0 && this.chance(0.1) ? [this.pick([G1, G2])] : [];
      const patch = this.chance(0.3);
      const quote = { ...(this.chance(0.9) ? { mark } : {}), ...(bid ? { bid } : {}), ...(ask ? { ask } : {}) };
      const byInstrument = this.chance(0.1) ? { instrument: instrument(this.pick(["NVDA", "AAPL", "ORCL"]), this.pick(["USD", "EUR"])) } : undefined;
      return mk("quote", (d) => d.admin({ kind: "pushQuote", target: byInstrument ?? { id }, quote, accountIds, groups, patch }));
    }
    if (x < 0.75) return mk("sweep", (d) => (d.sweepExpired(), [...d.channels.values()].map((c) => c.openReservationCount)));
    if (x < 0.77 && this.channels.length > 1) {
      const reason = this.pick(["lost", "ended", "shutdown"] as const);
      return mk(`close ${ch}`, (d) => d.closeChannel(ch, reason));
    }
    if (x < 0.80) {
      const takeover = this.chance(0.6);
      const rel = this.chance(0.3);
      return mk(`bind ${ch}`, (d) => d.runChannel(ch, [rel ? { kind: "release", accountIds: [acct] } : { kind: "bind", accountIds: [acct], takeover }]));
    }
    // Admin changes.
    const y = this.rnd();
    const G = this.pick([G1, G2]);
    const actor = this.chance(0.1) ? "ops" : "local";
    const admin = (cmd: object) => mk(`admin ${(cmd as { kind: string }).kind}`, (d) => d.admin(cmd as never, actor));
    if (y < 0.1) return admin(this.chance(0.3) ? { kind: "blockAccount", accountId: acct, reason: `hold ${this.int(0, 3)}` } : { kind: "unblockAccount", accountId: acct });
    if (y < 0.13) return admin({ kind: "replaceAccountBlockReason", accountId: acct, reason: "new reason" });
    if (y < 0.2) return admin(this.chance(0.3) ? { kind: "blockGroup", group: G, reason: "g" } : { kind: "unblockGroup", group: G });
    if (y < 0.22) return admin({ kind: "replaceGroupBlockReason", group: G, reason: "g2" });
    if (y < 0.3) return admin({ kind: "registerGroup", accountIds: [acct], group: G });
    if (y < 0.34) return admin({ kind: "unregisterGroup", accountIds: [acct], group: G });
    if (y < 0.37) return admin({ kind: "setAccountCurrency", accountId: acct, currency: this.pick(["USD", "EUR", undefined]) });
    if (y < 0.39) return admin({ kind: "setGroupCurrency", group: G, currency: this.pick(["USD", "EUR", undefined]) });
    if (y < 0.41) return admin({ kind: "retireAccount", accountId: acct });
    if (y < 0.45) return admin({ kind: "setPnlAccumulator", policy: "PnlBoundsKillSwitchPolicy", accountId: acct, asset: "USD", pnl: Pnl.fromString(`-${this.int(0, 320)}`) });
    if (y < 0.48) return admin({ kind: "setSpotFundsAccountPnl", policy: "SpotFundsPolicy", accountId: acct, state: this.chance(0.2) ? PnlState.halted("MissingFx") : PnlState.value(Pnl.fromString(`${this.int(-600, 100)}`)) });
    if (y < 0.6)
      return admin({
        kind: "setTradingState",
        policy: undefined,
        scope: this.pick([{ kind: "account", accountId: acct }, { kind: "group", group: G }, { kind: "global" }]),
        state: this.chance(0.7) ? "ACTIVE" : this.pick(["ACTIVE", "REDUCING", "HALTED", "ACTIVE", "ACTIVE"]),
        reason: `r${this.int(0, 2)}`,
        cancelWorkingOrders: this.chance(0.5),
      });
    if (y < 0.61) {
      const ttl = this.pick([0, 1500, 4000]);
      const cap = this.int(3, 8);
      return mk("settings", (d) => d.applySettings({ ...d.executionSettings(), reservationTtlMs: ttl, maxOpenHandlesPerChannel: cap }));
    }
    if (y < 0.62) return mk("denial", (d) => d.recordDenial({ actor: "eve", action: "BlockAccount", detail: "{}", reason: "no", accountIds: [acct] }));
    if (y < 0.63) return mk("operation", (d) => d.recordOperation("ops", "StepDown", "shards 1"));
    if (y < 0.64) {
      const inst2 = instrument(this.pick(["IBM", "TSLA"]), "USD");
      return admin({ kind: "registerInstrument", instrument: inst2, id: undefined, ttlMs: this.chance(0.5) ? 0 : 2000 });
    }
    // configurePolicy
    const retunes: [string, object][] = [
      ["OrderSizeLimitPolicy", { broker: { maxQuantity: `${this.int(10, 60)}`, maxNotional: `${this.int(1000, 7000)}` } }],
      ["RateLimitPolicy", { broker: { maxOrders: this.int(5, 30), windowMs: this.int(300, 2000) } }],
      ["MaxOpenOrdersPolicy", { default: { maxOpenOrders: this.int(1, 6) } }],
      ["TwoTierThrottlePolicy", { default: { softMaxOrders: 3, hardMaxOrders: this.int(5, 9), windowMs: this.int(500, 1500) } }],
      ["RepeatedExecutionThrottlePolicy", { default: { maxExecutions: this.int(2, 6), windowMs: this.int(500, 3000) } }],
      ["GrossExposureLimitPolicy", { default: { settlementAsset: "USD", maxNotional: `${this.int(3000, 9000)}` } }],
      ["PriceCollarPolicy", { default: { maxDeviationPct: `${this.int(1, 8)}` }, marketSlippagePct: "1" }],
      ["SoftLimitPolicy", { shares: this.pick([["0.5", "0.9"], ["0.7"], ["0.3", "0.6", "0.95"]]) }],
      ["RestrictedListPolicy", { entries: this.chance(0.5) ? [] : [{ accountId: Number(acct.toString()), underlyingAsset: "AAPL", reason: "x" }, { global: true, underlyingAsset: "MSFT", settlementAsset: "USD", sellOnly: true, reason: "y" }] }],
      ["ClientOrderIdPolicy", { retentionMs: this.pick([0, 1000, 3000]) }],
      ["PnlBoundsKillSwitchPolicy", { brokerBarriers: [{ settlementAsset: "USD", lowerBound: `-${this.int(1000, 5000)}` }, { settlementAsset: "EUR", lowerBound: "-3000" }], accountBarriers: this.chance(0.5) ? [{ accountId: Number(acct.toString()), settlementAsset: "USD", lowerBound: "-50" }] : [] }],
      ["SpotFundsPolicy", { pricingSource: this.pick(["Mark", "BookTop"]), slippageBps: this.int(0, 100), limitMode: this.pick(["Enforce", "TrackOnly"]), positionLimits: this.chance(0.5) ? [{ accountId: Number(acct.toString()), asset: "AAPL", limit: `${this.int(0, 60)}` }] : [] }],
      ["TradingStatePolicy", { states: this.chance(0.5) ? [] : [{ accountId: Number(acct.toString()), state: "REDUCING", reason: "cfg" }] }],
    ];
    const [policy, settings] = this.pick(retunes);
    return admin({ kind: "configurePolicy", policy, settings });
  }
}

/** Runs a step on a state; returns [text of answer, unexpected error or undefined]. */
export function runStep(s: SidecarState, clock: ManualClock, step: Step): { text: string; value?: unknown; unexpected?: unknown } {
  clock.advance(step.advance);
  try {
    const value = step.run(s);
    return { text: stable(value) ?? "undefined", value };
  } catch (e) {
    return { text: stable(e), ...(typedError(e) ? {} : { unexpected: e }) };
  }
}
