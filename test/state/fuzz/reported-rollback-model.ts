/**
 * A seeded model checker (written in review, session 32) of orders, venue reports, commits,
 * rollbacks, TTL expiries, disconnects, restarts and retries through the door, against a
 * plain model of what the venue did. Every account whose history stayed inside the limits
 * docs/controls.md states ("Reports before a commit": a report named the order's
 * client_order_id before any rollback of its reservation) must satisfy the invariants.
 */
import { ManualClock } from "../../../src/engine/index.js";
import { TradeAmount, type Order } from "../../../src/model/index.js";
import { AccountId, Fee, InstrumentId, Pnl, Price, Quantity, instrument, type Instrument } from "../../../src/param/index.js";
import { buildState } from "../../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../../src/server/config/sidecar-config.js";
import type { SidecarState, StateSnapshot } from "../../../src/state/sidecar-state.js";
import { decodePlain, encodePlain } from "../../../src/state/plain-data.js";
import { seededRandom } from "../../../bench/workload.js";
import { balanceAdjustment, cancelReport, fillReport } from "../../helpers/spot-funds.js";
import { testConfig } from "../../server/harness.js";
import { RecordingJournal } from "../recording-journal.js";
import { POLICIES } from "./fuzz-world.js";

export const ACCTS = [21n, 22n].map((n) => AccountId.fromU64(n));
const INSTS: Instrument[] = [instrument("AAPL", "USD"), instrument("MSFT", "USD")];
const USD0 = 1_000_000;
const STOCK0 = 10_000;

/** All fourteen built-in policies (the fuzz world's list), with limits far away and ids kept until released (retention 0). */
function policies() {
  const loose: Record<string, object> = {
    RateLimitPolicy: { broker: { maxOrders: 100000, windowMs: 1000 }, accountBarriers: [{ accountId: 21, limit: { maxOrders: 100000, windowMs: 100000000 } }] },
    OrderSizeLimitPolicy: { broker: { maxQuantity: "1000", maxNotional: "1000000" } },
    PnlBoundsKillSwitchPolicy: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-1000000" }] },
    SpotFundsPolicy: { pricingSource: "Mark", slippageBps: 50 },
    TwoTierThrottlePolicy: { default: { softMaxOrders: 100000, hardMaxOrders: 200000, windowMs: 1000 } },
    RepeatedExecutionThrottlePolicy: { default: { maxExecutions: 100000, windowMs: 1000 } },
    GrossExposureLimitPolicy: { default: { settlementAsset: "USD", maxNotional: "100000000" } },
    MaxOpenOrdersPolicy: { default: { maxOpenOrders: 1000 } },
    RestrictedListPolicy: { entries: [] },
    ClientOrderIdPolicy: { retentionMs: 0 },
  };
  return POLICIES.map((p) => (loose[p.type] ? { type: p.type, settings: loose[p.type] } : p));
}

export function door(clock: ManualClock, journal = new RecordingJournal()) {
  const config = parseSidecarConfig(
    testConfig({
      limits: { reservationTtlMs: 4_000, maxOpenHandles: 10000, maxOpenHandlesPerChannel: 10000 },
      marketData: { defaultTtlMs: 100000000, instruments: INSTS.map((i, n) => ({ id: n + 1, underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset })) },
      accounts: { defaultCurrency: "USD" },
      policies: policies(),
    }),
  );
  const state = buildState(config, clock);
  state.attachJournal(journal);
  return { state, journal };
}

export const bytes = (s: SidecarState) => Buffer.from(encodePlain({ ...s.snapshot(), sequence: 0n })).toString();

interface Ord {
  n: number;
  acct: AccountId;
  inst: Instrument;
  side: "BUY" | "SELL";
  qty: number;
  price: number;
  lock: string;
  coid?: string;
  ch: bigint;
  resId: bigint;
  acceptedAt: number;
  res: "open" | "committed" | "rolled";
  /** The book holds it (not rolled back for real). */
  counted: boolean;
  atVenue: boolean;
  left: number;
  final: boolean;
  /** A report naming its id came while its reservation was open. */
  named: boolean;
  /** Its id is still known to ClientOrderIdPolicy (no named final report, no real rollback). */
  holdsId: boolean;
  decision?: string;
  /** How it was sent (a retry must be sent the same way): a start and its execute, or an execute with its commit_on_accept. */
  sentAs: "start" | "execute";
  commitOnAccept: boolean;
}

export interface Options {
  /** Allow reusing an id freed by a final report while the earlier order's reservation is still open. */
  reuseWhileOpen?: boolean;
  /** Share of reports that name the client order id (when the order has one). */
  namedShare?: number;
  /** Restarts (snapshot → fresh state → recovered channels closed). */
  restarts?: boolean;
  /** Stay inside the documented limits: an order sent to the venue is committed on accept (no id) or gets a named report at once. */
  strict?: boolean;
}

const num = (x: unknown) => Number(String(x ?? "0"));

export function run(seed: number, steps: number, opt: Options = {}) {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number) => rnd() < p;
  const pick = <T>(l: readonly T[]) => l[Math.floor(rnd() * l.length)]!;
  const clock = new ManualClock(1_000);
  const journal = new RecordingJournal();
  let state = door(clock, journal).state;
  const log: string[] = [];
  const problems: string[] = [];
  /** Why an account left the documented limits (then a violation there is the stated limit). */
  const tainted = new Map<AccountId, string>();
  const orders: Ord[] = [];
  const cash = new Map<AccountId, number>(ACCTS.map((a) => [a, USD0]));
  const stock = new Map<string, number>();
  let engineRuns = 0;
  const pnl = { financialImpact: { pnl: Pnl.fromString("0"), fee: Fee.fromString("0") } };

  let ch = state.openChannel().channelId;
  for (const a of ACCTS) {
    state.runChannel(ch, [{ kind: "adjust", accountId: a, adjustments: [balanceAdjustment("USD", { balance: ["abs", `${USD0}`] })] }]);
    for (const i of INSTS) {
      state.runChannel(ch, [{ kind: "adjust", accountId: a, adjustments: [balanceAdjustment(i.underlyingAsset, { balance: ["abs", `${STOCK0}`] })] }]);
      stock.set(`${a}/${i.underlyingAsset}`, STOCK0);
    }
  }
  const chOf = new Map<AccountId, bigint>(ACCTS.map((a) => [a, ch]));
  for (let id = 1; id <= INSTS.length; id++) state.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(BigInt(id)) }, quote: { mark: Price.fromString("100") }, accountIds: [], groups: [], patch: false } as never);

  // The model's view of a rollback (explicit, TTL, disconnect).
  const rolledBack = (o: Ord, why: string) => {
    o.res = "rolled";
    if (o.named) return; // committed instead: the book keeps it, its reports count it out
    o.counted = false;
    if (o.holdsId) o.holdsId = false;
    if (o.atVenue && !tainted.has(o.acct)) tainted.set(o.acct, `order ${o.n} (${o.coid ?? "no id"}) at the venue rolled back (${why}) with no report naming its id before`);
  };
  const sweep = () => {
    state.sweepExpired();
    for (const o of orders) if (o.res === "open" && clock.nowMs() >= o.acceptedAt + 4000) rolledBack(o, "TTL");
  };

  let tailChecked = false;
  let snapAt: { bytes: Uint8Array; records: number } | undefined;

  const venueReport = (o: Ord, kind: "fill" | "cancel" | "ack", forceNamed?: boolean) => {
    const named = o.coid !== undefined && (forceNamed ?? chance(opt.namedShare ?? 0.85));
    const extra = { account: o.acct, instrument: o.inst };
    let rep;
    if (kind === "cancel") {
      rep = cancelReport(o.side, `${o.left}`, o.lock, extra);
      o.left = 0;
      o.final = true;
    } else if (kind === "ack") {
      rep = { operation: { instrument: o.inst, side: o.side, accountId: o.acct }, fill: { isFinal: false } };
    } else {
      const q = int(1, o.left);
      const final = q === o.left;
      rep = fillReport(o.side, `${q}`, `${o.price}`, { ...extra, lockPrice: o.lock, leaves: `${o.left - q}`, final });
      const c = q * o.price;
      const key = `${o.acct}/${o.inst.underlyingAsset}`;
      if (o.side === "BUY") {
        cash.set(o.acct, cash.get(o.acct)! - c);
        stock.set(key, stock.get(key)! + q);
      } else {
        cash.set(o.acct, cash.get(o.acct)! + c);
        stock.set(key, stock.get(key)! - q);
      }
      o.left -= q;
      o.final = final;
    }
    if (named && o.res === "open") o.named = true;
    if (named && o.final) {
      // A named final report frees the id (of whichever order holds it).
      for (const p of orders) if (p.acct === o.acct && p.coid === o.coid) p.holdsId = false;
    }
    if (!o.counted && !tainted.has(o.acct)) tainted.set(o.acct, `order ${o.n} reported after its real rollback`);
    const r = { ...rep, ...pnl, ...(named ? { clientOrderId: o.coid } : {}) };
    log.push(`  report ${kind} #${o.n} ${o.side} ${o.inst.underlyingAsset} named=${named} left=${o.left} final=${o.final}`);
    if (chance(0.2)) state.runChannel(chOf.get(o.acct)!, [{ kind: "report", report: r as never }]);
    else state.applyReports([r as never]);
  };

  const check = (where: string, final = false) => {
    const sf = state.engine.policy("SpotFundsPolicy") as unknown as { holdings(a: AccountId): Map<string, { available: unknown; held: unknown; incoming: unknown }> };
    const cio = (state.engine.policy("ClientOrderIdPolicy") as unknown as { snapshotState(): { known: { accountId: AccountId; clientOrderId: string }[] } }).snapshotState().known;
    for (const a of ACCTS) {
      const bad: string[] = [];
      const live = orders.filter((o) => o.acct === a && o.counted && !o.final);
      const open = state.engine.book.openOrders(a);
      if (open !== live.length) bad.push(`book openOrders ${open}, orders open ${live.length}`);
      for (const i of INSTS)
        for (const side of ["BUY", "SELL"] as const) {
          const want = live.filter((o) => o.inst === i && o.side === side).reduce((n, o) => n + o.left, 0);
          const got = num(state.engine.book.pendingQuantity(a, i, side));
          if (got !== want) bad.push(`pending ${i.underlyingAsset} ${side} ${got}, want ${want}`);
        }
      const h = sf.holdings(a);
      const usd = h.get("USD");
      const usdTotal = num(usd?.available) + num(usd?.held);
      if (usdTotal !== cash.get(a)) bad.push(`USD available+held ${usdTotal}, want ${cash.get(a)}`);
      for (const i of INSTS) {
        const s = h.get(i.underlyingAsset);
        const t = num(s?.available) + num(s?.held);
        if (t !== stock.get(`${a}/${i.underlyingAsset}`)) bad.push(`${i.underlyingAsset} available+held ${t}, want ${stock.get(`${a}/${i.underlyingAsset}`)}`);
      }
      if (final) {
        for (const [asset, v] of h) if (num(v.held) !== 0 || num(v.incoming) !== 0) bad.push(`${asset} held ${String(v.held)} incoming ${String(v.incoming)} after every order ended`);
        if (num(usd?.available) !== cash.get(a)) bad.push(`USD available ${String(usd?.available)}, deposits - fills = ${cash.get(a)}`);
      }
      const known = cio.filter((k) => k.accountId === a).map((k) => k.clientOrderId).sort();
      const want = [...new Set(orders.filter((o) => o.acct === a && o.holdsId).map((o) => o.coid!))].sort();
      if (known.join() !== want.join()) bad.push(`ClientOrderIdPolicy knows [${known}], ids held [${want}]`);
      if (bad.length > 0) {
        const t = tainted.get(a);
        problems.push(`${where} account ${a} ${t ? `(outside the limits: ${t})` : "(INSIDE the documented limits)"}: ${bad.join("; ")}`);
        tainted.set(a, t ?? "already reported");
      }
    }
  };

  const restart = () => {
    const snap = encodePlain(state.snapshot());
    const fresh = door(clock, journal).state;
    fresh.restore(decodePlain(snap) as StateSnapshot);
    fresh.resumeAfterReplay();
    fresh.closeRecoveredChannels();
    fresh.markServing();
    state = fresh;
    for (const o of orders) if (o.res === "open") rolledBack(o, "restart");
    ch = state.openChannel().channelId;
    for (const a of ACCTS) chOf.set(a, ch);
    snapAt = undefined;
  };

  let nextN = 0;
  const step = (i: number) => {
    clock.advance(chance(0.04) ? 4100 : int(0, 150));
    sweep();
    const x = rnd();
    const a = pick(ACCTS);
    const venueLive = orders.filter((o) => o.atVenue && !o.final);
    const openRes = orders.filter((o) => o.res === "open");
    if (x < 0.3) {
      const inst = pick(INSTS);
      const side = chance(0.6) ? "BUY" : "SELL";
      const qty = int(1, 10);
      const price = int(99, 101);
      let coid: string | undefined;
      if (chance(0.7)) {
        const held = new Set(orders.filter((o) => o.acct === a && o.holdsId).map((o) => o.coid));
        const openIds = new Set(orders.filter((o) => o.acct === a && o.res === "open").map((o) => o.coid));
        const free = ["a", "b", "c", "d"].filter((c) => !held.has(c) && (opt.reuseWhileOpen || !openIds.has(c)));
        if (free.length > 0) coid = pick(free);
      }
      const toVenue = chance(0.85);
      const commitOnAccept = opt.strict && toVenue && coid === undefined ? true : chance(0.25);
      const o2 = fillOrder(a, inst, side, qty, price, coid);
      engineRuns += a === ACCTS[0] ? 1 : 0;
      const ch = chOf.get(a)!;
      let r: { kind: string; reservationId?: bigint; lock?: { prices(): unknown[] } } | undefined;
      const sentAs = !commitOnAccept && chance(0.3) ? "start" : "execute";
      if (sentAs === "start") {
        const [s1] = state.runChannel(ch, [{ kind: "start", order: o2 }]) as { kind: string; requestId?: bigint }[];
        r = s1!.kind === "startAccepted" ? (state.runChannel(ch, [{ kind: "executeRequest", requestId: s1!.requestId! }])[0] as typeof r) : (s1 as typeof r);
      } else [r] = state.runChannel(ch, [{ kind: "execute", order: o2, commitOnAccept }]) as (typeof r)[];
      log.push(`${i} execute #${nextN} ${a} ${side} ${qty} ${inst.underlyingAsset}@${price} coid=${coid} commit=${commitOnAccept} -> ${r!.kind} ${r!.reservationId ?? ""}`);
      if (r!.kind !== "executeAccepted") return;
      const o: Ord = {
        n: nextN++, acct: a, inst, side, qty, price, lock: String(r!.lock?.prices()[0] ?? price), coid, ch, resId: r!.reservationId!, acceptedAt: clock.nowMs(),
        res: commitOnAccept ? "committed" : "open", counted: true, atVenue: toVenue || commitOnAccept, left: qty, final: false, named: false, holdsId: coid !== undefined,
        decision: JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? `${v}` : v)), sentAs, commitOnAccept,
      };
      orders.push(o);
      if (opt.strict && o.atVenue && o.res === "open") {
        const k = rnd();
        venueReport(o, k < 0.2 ? "cancel" : k < 0.5 ? "ack" : "fill", true);
      }
      return;
    }
    if (x < 0.55 && venueLive.length > 0) {
      const o = pick(venueLive);
      const k = rnd();
      venueReport(o, k < 0.2 ? "cancel" : k < 0.3 ? "ack" : "fill");
      return;
    }
    if (x < 0.7 && openRes.length > 0) {
      const o = pick(openRes);
      // The gateway commits what the venue took, rolls back what it refused (and, sometimes, what it lost track of).
      const commit = o.atVenue ? chance(0.8) : false;
      log.push(`${i} ${commit ? "commit" : "rollback"} #${o.n}`);
      state.runChannel(o.ch, [{ kind: commit ? "commit" : "rollback", reservationId: o.resId }]);
      if (commit) o.res = "committed";
      else rolledBack(o, "explicit rollback");
      return;
    }
    if (x < 0.73) {
      const ch = chOf.get(a)!;
      log.push(`${i} close ${ch}`);
      state.closeChannel(ch, "lost");
      for (const o of orders) if (o.res === "open" && o.ch === ch) rolledBack(o, "disconnect");
      const nc = state.openChannel().channelId;
      for (const b of ACCTS) if (chOf.get(b) === ch) chOf.set(b, nc);
      return;
    }
    if (x < 0.75) {
      // Fencing: another channel of the gateway takes the account over.
      const nc = state.openChannel().channelId;
      log.push(`${i} takeover ${a} -> ${nc}`);
      state.runChannel(nc, [{ kind: "bind", accountIds: [a], takeover: true }]);
      for (const o of orders) if (o.res === "open" && o.acct === a && o.ch !== nc) rolledBack(o, "takeover");
      chOf.set(a, nc);
      return;
    }
    if (x < 0.8 && opt.restarts) {
      log.push(`${i} restart`);
      restart();
      return;
    }
    if (x < 0.87) {
      // A retry of an order whose id is still known: the door answers with the first decision, no second reservation;
      // once its reservation is no longer open (committed, or a "rollback" a named report turned into a commit), as committed.
      const cands = orders.filter((o) => o.holdsId && (o.res !== "rolled" || o.named));
      if (cands.length === 0) return;
      const o = pick(cands);
      // Sent as its order was (a retry by another command, or another commit_on_accept, is rejected).
      const retried = { ...fillOrder(o.acct, o.inst, o.side, o.qty, o.price, o.coid), retry: true };
      const [r] = state.runChannel(chOf.get(o.acct)!, [o.sentAs === "start" ? { kind: "start", order: retried } : { kind: "execute", order: retried, commitOnAccept: o.commitOnAccept }]);
      log.push(`${i} retry #${o.n} -> ${(r as { kind: string }).kind}`);
      const got = JSON.stringify({ ...(r as object), retried: undefined }, (_k, v) => (typeof v === "bigint" ? `${v}` : v));
      const want = o.res === "open" ? o.decision : JSON.stringify({ ...(JSON.parse(o.decision!) as object), reservationId: "0", committed: true });
      if (got !== want) problems.push(`${i} retry of #${o.n} answered ${got}, expected ${want}`);
      return;
    }
    if (x < 0.9 && !snapAt) {
      snapAt = { bytes: encodePlain(state.snapshot()), records: journal.records.length };
      return;
    }
  };

  for (let i = 0; i < steps; i++) {
    step(i);
    check(`step ${i}`);
  }
  // Wind down: every order final at the venue, every reservation settled.
  for (const o of orders.filter((o) => o.res === "open" || (o.atVenue && !o.final))) {
    if (chance(0.5) && o.atVenue && !o.final) venueReport(o, chance(0.5) ? "cancel" : "fill", true);
    if (o.res === "open" && (!o.atVenue || chance(0.5))) {
      state.runChannel(o.ch, [{ kind: o.atVenue ? "commit" : "rollback", reservationId: o.resId }]);
      if (o.atVenue) o.res = "committed";
      else rolledBack(o, "explicit rollback");
    }
  }
  for (const o of orders.filter((o) => o.atVenue && !o.final)) while (!o.final) venueReport(o, chance(0.5) ? "cancel" : "fill", true);
  for (const o of orders.filter((o) => o.res === "open")) {
    state.runChannel(o.ch, [{ kind: "commit", reservationId: o.resId }]);
    o.res = "committed";
  }
  check("end", true);
  // Snapshot + journal tail reproduces the live state.
  if (snapAt) {
    const copy = door(new ManualClock(0)).state;
    copy.restore(decodePlain(snapAt.bytes) as StateSnapshot);
    for (const p of journal.records.slice(snapAt.records)) copy.replay(p);
    if (bytes(copy) !== bytes(state)) problems.push("snapshot + journal tail differs from the live state");
    tailChecked = true;
  }
  const out = { limit: "", usage: -1, max: 0 };
  (state.engine.policy("RateLimitPolicy") as unknown as { integerUsage(c: object, a: AccountId, o: object): boolean }).integerUsage({ nowMs: clock.nowMs() }, ACCTS[0]!, out);
  const rate = out.usage;
  if (rate !== engineRuns) problems.push(`rate limit counts ${rate} orders of ${ACCTS[0]}, the engine ran ${engineRuns}`);
  return { problems, log, tainted, orders, engineRuns, rate, state, tailChecked };
}

function fillOrder(a: AccountId, inst: Instrument, side: "BUY" | "SELL", qty: number, price: number, coid: string | undefined): Order {
  return { operation: { instrument: inst, accountId: a, side, tradeAmount: quantity(qty), price: Price.fromString(`${price}`) }, ...(coid ? { clientOrderId: coid } : {}) } as Order;
}

function quantity(q: number) {
  return TradeAmount.quantity(Quantity.fromString(`${q}`));
}
