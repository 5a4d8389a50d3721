/**
 * A looser world than the fuzz world's (whose tight limits reject nearly every order: about 8
 * accepted in 800 steps, and no snapshot ever carried a `reported` or `ended` mark), so orders
 * are accepted, named by reports before their commit, ended, reused, rolled back, expired,
 * disconnected and retired often. All 14 built-ins. Written by the session-33 replay review.
 */
import { ManualClock } from "../../../src/engine/index.js";
import { AccountId, Fee, InstrumentId, Pnl, Price, instrument, type Instrument } from "../../../src/param/index.js";
import { PnlState } from "../../../src/model/index.js";
import { buildState } from "../../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import type { SidecarState } from "../../../src/state/sidecar-state.js";
import { seededRandom } from "../../../bench/workload.js";
import { balanceAdjustment, cancelReport, fillReport, report, spotOrder, accountPnlAdjustment } from "../../helpers/spot-funds.js";
import { testConfig } from "../../server/harness.js";
import { RecordingJournal } from "../recording-journal.js";
import { POLICIES, type Step } from "./fuzz-world.js";
import type { World } from "./replay-world.js";

export const ACCTS = [21n, 22n, 23n, 24n, 25n].map((n) => AccountId.fromU64(n));
const INSTS: Instrument[] = [instrument("AAPL", "USD"), instrument("MSFT", "USD")];

export interface Variant { coidRetentionMs?: number; noCoidPolicy?: boolean; sync?: string; durability?: object }

export function looseConfig(v: Variant = {}) {
  const loose: Record<string, object> = {
    RateLimitPolicy: { broker: { maxOrders: 100000, windowMs: 1000 } },
    OrderSizeLimitPolicy: { broker: { maxQuantity: "1000", maxNotional: "1000000" } },
    PnlBoundsKillSwitchPolicy: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-5000" }] },
    SpotFundsPolicy: { pricingSource: "Mark", slippageBps: 50 },
    TwoTierThrottlePolicy: { default: { softMaxOrders: 100000, hardMaxOrders: 200000, windowMs: 1000 } },
    RepeatedExecutionThrottlePolicy: { default: { maxExecutions: 100000, windowMs: 1000 } },
    GrossExposureLimitPolicy: { default: { settlementAsset: "USD", maxNotional: "100000000" } },
    MaxOpenOrdersPolicy: { default: { maxOpenOrders: 12 } },
    RestrictedListPolicy: { entries: [] },
    ClientOrderIdPolicy: { retentionMs: v.coidRetentionMs ?? 0 },
    PriceCollarPolicy: { default: { maxDeviationPct: "20" }, marketSlippagePct: "1" },
  };
  const pols = POLICIES.map((p) => (loose[p.type] ? { type: p.type, settings: loose[p.type] } : p)).filter((p) => !(v.noCoidPolicy && p.type === "ClientOrderIdPolicy"));
  return parseSidecarConfig(
    testConfig({
      limits: { reservationTtlMs: 3_000, maxOpenHandles: 10000, maxOpenHandlesPerChannel: 10000 },
      marketData: { defaultTtlMs: 100000000, instruments: INSTS.map((i, n) => ({ id: n + 1, underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset })) },
      accounts: { defaultCurrency: "USD" },
      policies: pols,
      ...(v.sync ? { syncMode: v.sync } : {}),
      ...(v.durability ? { durability: v.durability } : {}),
    }),
  );
}

export function looseDoor(clock: ManualClock, v: Variant = {}, journal = new RecordingJournal()) {
  const state = buildState(looseConfig(v), clock);
  state.attachJournal(journal);
  return { state, journal };
}

interface O { ch: bigint; res: bigint; acct: AccountId; inst: Instrument; side: "BUY" | "SELL"; qty: number; price: string; coid?: string; left: number }

export class LooseGen {
  private readonly rnd: () => number;
  channels: bigint[] = [];
  private open: O[] = [];
  private seen: O[] = [];
  private warm: (Step & { meta?: unknown })[];
  constructor(seed: number, skipWarmup = false) {
    this.rnd = seededRandom(seed);
    const w: (Step & { meta?: unknown })[] = [];
    const mk = (text: string, run: (s: SidecarState) => unknown, meta?: unknown) => w.push({ text, advance: 1, run, meta });
    if (!skipWarmup) {
      mk("openChannel", (d) => d.openChannel(), { kind: "openChannel" });
      mk("openChannel", (d) => d.openChannel("bob"), { kind: "openChannel" });
      for (const a of ACCTS)
        for (const [asset, amt] of [["USD", "1000000"], ["AAPL", "10000"], ["MSFT", "10000"]] as const)
          mk("seed", (d) => d.runChannel(1n, [{ kind: "adjust", accountId: a, adjustments: [balanceAdjustment(asset, { balance: ["abs", amt] })] }]));
      for (let id = 1; id <= 2; id++) mk("quote", (d) => d.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(BigInt(id)) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false }));
    } else mk("openChannel", (d) => d.openChannel(), { kind: "openChannel" });
    this.warm = w;
  }
  private int(lo: number, hi: number) { return lo + Math.floor(this.rnd() * (hi - lo + 1)); }
  private pick<T>(l: readonly T[]): T { return l[Math.floor(this.rnd() * l.length)]!; }
  private chance(p: number) { return this.rnd() < p; }

  learn(step: Step & { meta?: unknown }, answer: unknown, s: SidecarState): void {
    const meta = step.meta as { kind: string; o?: O } | undefined;
    if (meta?.kind === "openChannel" && answer && typeof answer === "object" && "channelId" in answer) this.channels.push((answer as { channelId: bigint }).channelId);
    if (meta?.kind === "execute" && Array.isArray(answer)) {
      const r = answer.at(-1) as { kind: string; reservationId?: bigint; committed?: boolean };
      if (r?.kind === "executeAccepted") {
        const o = { ...meta.o!, res: r.reservationId! };
        if (!r.committed) this.open.push(o);
        this.seen.push(o);
        if (this.seen.length > 40) this.seen.shift();
      }
    }
    for (let i = this.channels.length - 1; i >= 0; i--) if (!s.channels.has(this.channels[i]!)) this.channels.splice(i, 1);
    this.open = this.open.filter((o) => s.channels.get(o.ch)?.openReservationsOf(o.acct).includes(o.res));
  }

  next(s: SidecarState): Step & { meta?: unknown } {
    if (this.warm.length > 0) return this.warm.shift()!;
    const advance = this.chance(0.08) ? this.int(1000, 4000) : this.int(0, 200);
    const mk = (text: string, run: (s: SidecarState) => unknown, meta?: unknown) => ({ text, advance, run, meta });
    const acct = this.pick(ACCTS);
    const pinned = s.pins.ownerOf(acct)?.channelId;
    const ch = pinned !== undefined && this.channels.includes(pinned) && this.chance(0.95) ? pinned : this.channels.length > 0 ? this.pick(this.channels) : undefined;
    if (ch === undefined || this.chance(0.02)) { const owner = this.chance(0.3) ? "bob" : "local"; return mk("openChannel", (d) => d.openChannel(owner), { kind: "openChannel" }); }
    const x = this.rnd();
    const inst = this.pick(INSTS);
    if (x < 0.3) {
      const qty = this.int(1, 20);
      const price = `${this.int(97, 103)}`;
      const side = this.chance(0.6) ? "BUY" : "SELL";
      const coid = this.chance(0.85) ? `k${this.int(0, 6)}` : undefined;
      const order = { ...spotOrder({ account: acct, instrument: inst, side, qty: `${qty}`, price }), ...(coid ? { clientOrderId: coid } : {}), ...(coid && this.chance(0.1) ? { retry: true } : {}) };
      const commitOnAccept = this.chance(0.2);
      const o: O = { ch, res: 0n, acct, inst, side, qty, price, coid, left: qty };
      const coin = this.chance(0.5);
      if (this.chance(0.1)) return mk(`dropCopy ${ch}`, (d) => d.runChannel(ch, [{ kind: "dropCopy", order, commitOnAccept: coin }]));
      if (this.chance(0.15)) return mk(`start+exec ${ch}`, (d) => {
        const r = d.runChannel(ch, [{ kind: "start", order }]) as { kind: string; requestId?: bigint }[];
        return r[0]?.kind === "startAccepted" ? d.runChannel(ch, [{ kind: "executeRequest", requestId: r[0]!.requestId! }]) : r;
      }, { kind: "execute", o });
      return mk(`execute ${ch} ${acct} ${coid ?? "-"} ${side} ${qty}`, (d) => d.runChannel(ch, [{ kind: "execute", order, commitOnAccept }]), { kind: "execute", o });
    }
    if (x < 0.42 && this.open.length > 0) {
      const o = this.pick(this.open);
      const commit = this.chance(0.55);
      return mk(`${commit ? "commit" : "rollback"} ${o.res}`, (d) => d.runChannel(o.ch, [{ kind: commit ? "commit" : "rollback", reservationId: o.res }]));
    }
    if (x < 0.65 && this.seen.length > 0) {
      // A report naming an order seen: early (reservation open), after commit, late (after its final), partial or final, or fee only.
      const o = this.chance(0.5) && this.open.length > 0 ? this.pick(this.open) : this.pick(this.seen);
      const extra = { account: o.acct, instrument: o.inst };
      const v = this.rnd();
      let rep;
      if (v < 0.2) rep = cancelReport(o.side, `${Math.max(o.left, 1)}`, o.price, extra);
      else if (v < 0.3) rep = report({ ...extra, side: o.side, lockPrice: o.price, leaves: `${Math.max(o.left, 1)}`, final: false, fee: ["0.5", "USD"] });
      else {
        const fill = Math.max(1, Math.min(o.left, this.int(1, o.qty)));
        const final = o.left - fill <= 0 || this.chance(0.15);
        rep = fillReport(o.side, `${fill}`, `${this.int(97, 103)}`, { ...extra, lockPrice: o.price, leaves: `${final ? 0 : Math.max(0, o.left - fill)}`, final });
        o.left = Math.max(0, o.left - fill);
      }
      const named = o.coid !== undefined && this.chance(0.9) ? { clientOrderId: o.coid } : {};
      const r = { ...rep, ...named, financialImpact: { pnl: Pnl.fromString(`${this.int(-40, 40)}.${this.int(0, 9)}`), fee: Fee.fromString("0") } };
      if (this.chance(0.25)) return mk(`report-ch ${o.coid}`, (d) => d.runChannel(ch, [{ kind: "report", report: r }]));
      return mk(`report ${o.acct} ${o.coid} ${o.side}`, (d) => d.applyReports([r]));
    }
    if (x < 0.70) return mk("sweep", (d) => (d.sweepExpired(), [...d.channels.values()].map((c) => c.openReservationCount)));
    const reason = this.pick(["lost", "ended"] as const);
    const rel = this.chance(0.3);
    const takeover = this.chance(0.7);
    if (x < 0.73 && this.channels.length > 0) return mk(`close ${ch}`, (d) => d.closeChannel(ch, reason));
    if (x < 0.77) return mk(`bind ${ch} ${acct}`, (d) => d.runChannel(ch, [rel ? { kind: "release", accountIds: [acct] } : { kind: "bind", accountIds: [acct], takeover }]));
    if (x < 0.81) {
      const adj = this.chance(0.8) ? balanceAdjustment(this.pick(["USD", "AAPL", "MSFT"]), { balance: ["delta", `${this.int(-50, 300)}`] }) : accountPnlAdjustment(PnlState.value(Pnl.fromString(`${this.int(-300, 100)}`)));
      return mk(`adjust ${acct}`, (d) => d.runChannel(ch, [{ kind: "adjust", accountId: acct, adjustments: [adj] }]));
    }
    { const qid = InstrumentId.fromU64(BigInt(this.int(1, 2))); const mark = Price.fromString(`${this.int(98, 102)}`); if (x < 0.84) return mk("quote", (d) => d.admin({ kind: "pushQuote", target: { id: qid }, quote: { mark }, accountIds: [], groups: [], patch: false })); }
    const y = this.rnd();
    const admin = (cmd: object) => mk(`admin ${(cmd as { kind: string }).kind}`, (d) => d.admin(cmd as never));
    if (y < 0.12) return admin({ kind: "retireAccount", accountId: acct });
    if (y < 0.25) {
      const F = ACCTS[4]!;
      if (this.chance(0.5)) return mk(`seed ${F}`, (d) => d.runChannel(ch, [{ kind: "adjust", accountId: F, adjustments: [balanceAdjustment("USD", { balance: ["abs", "50000"] }), balanceAdjustment("AAPL", { balance: ["abs", "100"] })] }]));
      return mk(`retire-cycle ${F}`, (d) => [
        d.runChannel(ch, [{ kind: "adjust", accountId: F, adjustments: ["USD", "AAPL", "MSFT"].map((a) => balanceAdjustment(a, { balance: ["abs", "0"] })) }]),
        d.admin({ kind: "setPnlAccumulator", policy: "PnlBoundsKillSwitchPolicy", accountId: F, asset: "USD", pnl: Pnl.fromString("0") }),
        d.admin({ kind: "setSpotFundsAccountPnl", policy: "SpotFundsPolicy", accountId: F, state: PnlState.value(Pnl.fromString("0")) }),
        d.admin({ kind: "retireAccount", accountId: F }),
      ]);
    }
    if (y < 0.3) return mk(`zero ${acct}`, (d) => d.runChannel(ch, [{ kind: "adjust", accountId: acct, adjustments: ["USD", "AAPL", "MSFT"].map((a) => balanceAdjustment(a, { balance: ["abs", "0"] })) }]));
    if (y < 0.35) return admin({ kind: "setPnlAccumulator", policy: "PnlBoundsKillSwitchPolicy", accountId: acct, asset: "USD", pnl: Pnl.fromString(this.chance(0.15) ? "-6000" : "0") });
    if (y < 0.45) return admin(this.chance(0.2) ? { kind: "blockAccount", accountId: acct, reason: "hold" } : { kind: "unblockAccount", accountId: acct });
    if (y < 0.6) return admin({ kind: "setTradingState", policy: undefined, scope: this.pick([{ kind: "account", accountId: acct }, { kind: "global" }]), state: this.pick(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "REDUCING", "HALTED"]), reason: "r", cancelWorkingOrders: this.chance(0.6) });
    const ttl = this.pick([0, 1500, 3000]);
    if (y < 0.7) return mk("settings", (d) => d.applySettings({ ...d.executionSettings(), reservationTtlMs: ttl }));
    if (y < 0.8) return admin({ kind: "setSpotFundsAccountPnl", policy: "SpotFundsPolicy", accountId: acct, state: PnlState.value(Pnl.fromString(`${this.int(-100, 100)}`)) });
    const retunes: [string, object][] = [
      ["MaxOpenOrdersPolicy", { default: { maxOpenOrders: this.int(2, 12) } }],
      ["ClientOrderIdPolicy", { retentionMs: this.pick([0, 500, 2000]) }],
      ["SpotFundsPolicy", { pricingSource: "Mark", slippageBps: this.int(0, 80), positionLimits: this.chance(0.5) ? [{ accountId: Number(acct.toString()), asset: "AAPL", limit: `${this.int(5, 10000)}` }] : [] }],
      ["GrossExposureLimitPolicy", { default: { settlementAsset: "USD", maxNotional: `${this.int(3000, 100000)}` } }],
      ["SoftLimitPolicy", { shares: this.pick([["0.5", "0.9"], ["0.7"]]) }],
    ];
    const [policy, settings] = this.pick(retunes);
    return admin({ kind: "configurePolicy", policy, settings });
  }
}

export const looseWorld = (v: Variant = {}): World => ({ door: (c, j) => looseDoor(c, v, j), gen: (seed, skip) => { const g = new LooseGen(seed, skip); return { take: (s) => g.next(s), learn: (st, a, s) => g.learn(st, a, s) }; } });
