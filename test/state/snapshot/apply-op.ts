/**
 * Runs one workload operation against a world and returns everything observable it
 * produced (results, rejects, locks, outcomes, errors, engine events) as plain data.
 */
import type { ExecuteResult } from "../../../src/engine/index.js";
import { PnlBoundsKillSwitchPolicy, OrderSizeLimitPolicy, RateLimitPolicy, SpotFundsPolicy } from "../../../src/policies/index.js";
import { PnlState, type AccountAdjustment, type ExecutionReport, type PnlHaltReason } from "../../../src/model/index.js";
import { AccountGroupId, Fee, instrument, InstrumentId, Pnl, PositionSize, Price, Quantity, Volume } from "../../../src/param/index.js";
import { QuoteTtl } from "../../../src/marketdata/index.js";
import { ACCOUNTS, GROUPS, INSTRUMENTS, makeOrder, SPOT_FUNDS_GROUP, type World } from "./world.js";
import type { BalanceItem, Op, PnlValue, Then } from "./workload.js";

/** What the workload saw, summed over a run: which decisions and paths it exercised. */
export type Tally = Map<string, number>;

function bump(tally: Tally | undefined, key: string): void {
  if (tally) tally.set(key, (tally.get(key) ?? 0) + 1);
}

function pnlState(v: PnlValue): PnlState {
  return typeof v === "string" ? PnlState.value(Pnl.fromString(v)) : PnlState.halted(v.halted as PnlHaltReason);
}

function amount([kind, value]: readonly ["abs" | "delta", string]) {
  return { kind: kind === "abs" ? ("absolute" as const) : ("delta" as const), value: PositionSize.fromString(value) };
}

function balance(item: BalanceItem): AccountAdjustment {
  return {
    operation: {
      kind: "balance",
      asset: item.asset,
      ...(item.averageEntryPrice === undefined ? {} : { averageEntryPrice: Price.fromString(item.averageEntryPrice) }),
      ...(item.realizedPnl === undefined ? {} : { realizedPnl: pnlState(item.realizedPnl) }),
    },
    amount: { ...(item.amount ? { balance: amount(item.amount) } : {}), ...(item.held ? { held: amount(item.held) } : {}) },
    ...(item.lowerBound === undefined ? {} : { bounds: { balanceLower: PositionSize.fromString(item.lowerBound) } }),
  };
}

/** Runs `f`; a thrown error becomes part of the observable result (it must match too). */
function attempt(f: () => unknown): unknown {
  try {
    return f() ?? null;
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

export function applyOp(world: World, op: Op, tally?: Tally): unknown {
  const result = attempt(() => run(world, op, tally));
  const events = world.takeEvents();
  for (const e of events) bump(tally, `event:${e.kind}`);
  return { op: op.k, result, events };
}

function run(world: World, op: Op, tally: Tally | undefined): unknown {
  const { engine, marketData, clock } = world;
  const accounts = engine.accounts();
  switch (op.k) {
    case "advance":
      clock.advance(op.ms);
      return clock.nowMs();
    case "quote": {
      const id = marketData.resolve(INSTRUMENTS[op.inst]!)!;
      const quote = {
        ...(op.mark === undefined ? {} : { mark: Price.fromString(op.mark) }),
        ...(op.bid === undefined ? {} : { bid: Price.fromString(op.bid) }),
        ...(op.ask === undefined ? {} : { ask: Price.fromString(op.ask) }),
      };
      if (op.target === "default") (op.patch ? marketData.pushPatch(id, quote) : marketData.push(id, quote));
      else if ("account" in op.target) marketData.pushFor(id, quote, [ACCOUNTS[op.target.account]!], []);
      else marketData.pushFor(id, quote, [], [GROUPS[op.target.group]!]);
      return id;
    }
    case "clearQuotes":
      marketData.clear(marketData.resolve(INSTRUMENTS[op.inst]!)!);
      return null;
    case "ttl": {
      const id = marketData.resolve(INSTRUMENTS[op.inst]!)!;
      if (op.account === null) {
        if (op.ms === null) marketData.clearInstrumentTtl(id);
        else marketData.setInstrumentTtl(id, QuoteTtl.within(op.ms));
      } else if (op.ms === null) marketData.clearInstrumentAccountTtl(id, ACCOUNTS[op.account]!);
      else marketData.setInstrumentAccountTtl(id, ACCOUNTS[op.account]!, QuoteTtl.within(op.ms));
      return null;
    }
    case "registerInstrument":
      return marketData.register(instrument(op.underlying, "USD"), QuoteTtl.within(300));
    case "order":
      return order(world, op, tally);
    case "request": {
      if (world.requests.length === 0) return "none";
      const [{ request, restored }] = world.requests.splice(op.pick % world.requests.length, 1) as [World["requests"][number]];
      if (restored) bump(tally, "restored request used");
      if (op.discard) {
        request[Symbol.dispose]();
        return "discarded";
      }
      return settle(world, request.order, request.execute(), op.then, tally);
    }
    case "finalize": {
      if (world.reservations.length === 0) return "none";
      const [{ reservation, order: o, restored }] = world.reservations.splice(op.pick % world.reservations.length, 1) as [
        World["reservations"][number],
      ];
      bump(tally, restored ? `restored reservation ${op.commit ? "commit" : "rollback"}` : "finalize");
      if (!op.commit) {
        reservation.rollback();
        return "rolledBack";
      }
      const lock = reservation.lock;
      reservation.commit();
      toVenue(world, o, lock);
      return "committed";
    }
    case "fill":
      return fill(world, op, tally);
    case "cancel": {
      if (world.venue.length === 0) return "none";
      const [v] = world.venue.splice(op.pick % world.venue.length, 1) as [World["venue"][number]];
      const report: ExecutionReport = {
        operation: { instrument: v.instrument, accountId: v.account, side: v.side },
        financialImpact: { pnl: Pnl.zero(), fee: Fee.zero() },
        fill: { leavesQuantity: v.leaves, lock: v.lock, isFinal: true },
      };
      return engine.applyExecutionReport(report);
    }
    case "adjust":
      return engine.applyAccountAdjustment(ACCOUNTS[op.acc]!, op.items.map(balance));
    case "accountPnl":
      return engine.applyAccountAdjustment(ACCOUNTS[op.acc]!, [{ operation: { kind: "accountPnl", state: pnlState(op.value) } }]);
    case "block":
      return accounts.block(ACCOUNTS[op.acc]!, "operator hold");
    case "unblock":
      return accounts.unblock(ACCOUNTS[op.acc]!);
    case "replaceReason":
      return accounts.replaceBlockReason(ACCOUNTS[op.acc]!, "operator took over");
    case "blockGroup":
      return accounts.blockGroup(GROUPS[op.group]!, "group hold");
    case "unblockGroup":
      return accounts.unblockGroup(GROUPS[op.group]!);
    case "group":
      return op.register
        ? accounts.registerGroup([ACCOUNTS[op.acc]!], GROUPS[op.group]!)
        : accounts.unregisterGroup([ACCOUNTS[op.acc]!], GROUPS[op.group]!);
    case "currency":
      return op.asset === null ? accounts.clearCurrency(ACCOUNTS[op.acc]!) : accounts.setCurrency(ACCOUNTS[op.acc]!, op.asset);
    case "groupCurrency": {
      const group = op.group === 2 ? AccountGroupId.DEFAULT : GROUPS[op.group]!;
      return op.asset === null ? accounts.clearGroupCurrency(group) : accounts.setGroupCurrency(group, op.asset);
    }
    case "configure":
      return configure(world, op.which, op.value, op.acc);
  }
}

function order(world: World, op: Extract<Op, { k: "order" }>, tally: Tally | undefined): unknown {
  const o = makeOrder({
    account: op.acc < 0 ? undefined : ACCOUNTS[op.acc],
    instrument: INSTRUMENTS[op.inst]!,
    side: op.side,
    ...(op.qty === undefined ? {} : { qty: op.qty }),
    ...(op.volume === undefined ? {} : { volume: op.volume }),
    ...(op.price === undefined ? {} : { price: op.price }),
  });
  const { engine } = world;
  switch (op.mode) {
    case "execute":
      return settle(world, o, engine.executePreTrade(o), op.then, tally);
    case "start": {
      const start = engine.startPreTrade(o);
      if (start.ok) world.requests.push({ request: start.request, restored: false });
      else for (const r of start.rejects) (bump(tally, `reject:${r.code}`), bump(tally, `by:${r.policy}:${r.code}`));
      return start.ok ? "started" : start;
    }
    case "dryRun":
      return engine.executePreTradeDryRun(o);
    case "startDryRun":
      return engine.startPreTradeDryRun(o);
    case "dropCopy": {
      const reservation = engine.executePreTradeDropCopy(o);
      const seen = { lock: reservation.lock, outcomes: reservation.accountAdjustments, accountBlock: reservation.accountBlock ?? null };
      return { dropCopy: seen, then: settle(world, o, { ok: true, reservation, rejects: [] }, op.then, tally) };
    }
  }
}

/** Commits, rolls back or keeps the reservation of an accepted execute; reports what came out. */
function settle(world: World, o: ReturnType<typeof makeOrder>, result: ExecuteResult, then: Then, tally: Tally | undefined): unknown {
  if (!result.ok) {
    for (const r of result.rejects) (bump(tally, `reject:${r.code}`), bump(tally, `by:${r.policy}:${r.code}`));
    return result;
  }
  bump(tally, "accepted");
  const { reservation } = result;
  const seen = { lock: reservation.lock, outcomes: reservation.accountAdjustments };
  if (then === "open") world.reservations.push({ reservation, order: o, restored: false });
  else if (then === "rollback") reservation.rollback();
  else {
    reservation.commit();
    toVenue(world, o, seen.lock);
  }
  return { accepted: seen, then };
}

/** A committed quantity order with an account goes to the venue, where fills come from. */
function toVenue(world: World, o: ReturnType<typeof makeOrder>, lock: World["venue"][number]["lock"]): void {
  const op = o.operation!;
  if (op.accountId === undefined || op.tradeAmount?.kind !== "quantity" || op.tradeAmount.value.isZero()) return;
  world.venue.push({ account: op.accountId, instrument: op.instrument!, side: op.side!, leaves: op.tradeAmount.value, lock });
}

function fill(world: World, op: Extract<Op, { k: "fill" }>, tally: Tally | undefined): unknown {
  if (world.venue.length === 0) return "none";
  const index = op.pick % world.venue.length;
  const v = world.venue[index]!;
  // Quantities stay exact decimals: a fraction of the leaves, rounded down to 2 places, at least 0.01.
  let qty = v.leaves.mul(Quantity.fromString(String(op.fraction))).rounded(2, "down");
  if (qty.isZero()) qty = v.leaves;
  const leaves = v.leaves.sub(qty);
  const lockPrice = v.lock.prices(SPOT_FUNDS_GROUP)[0] ?? Price.fromString("100");
  let price = lockPrice.add(Price.fromString(op.priceDelta));
  if (!price.isPositive()) price = lockPrice;
  const final = op.final || leaves.isZero();
  if (final) world.venue.splice(index, 1);
  else world.venue[index] = { ...v, leaves };
  bump(tally, final ? "final fill" : "partial fill");
  const report: ExecutionReport = {
    operation: { instrument: v.instrument, accountId: v.account, side: v.side },
    financialImpact: { pnl: Pnl.fromString(op.pnl), fee: Fee.fromString(op.fee?.[0] ?? "0") },
    fill: {
      lastTrade: { price, quantity: qty },
      ...(op.fee ? { fee: { amount: Fee.fromString(op.fee[0]), currency: op.fee[1] } } : {}),
      leavesQuantity: leaves,
      lock: v.lock,
      isFinal: final,
    },
  };
  return world.engine.applyExecutionReport(report);
}

/** Runtime retuning through the configurator, valid and invalid. */
function configure(world: World, which: number, value: number, acc: number): unknown {
  const c = world.engine.configure();
  const account = ACCOUNTS[acc]!;
  switch (which) {
    case 0:
      return c.update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => void (d.broker = { maxOrders: 8 + (value % 12), windowMs: 1000 }));
    case 1:
      // Removing a barrier drops its window; putting it back starts a new one.
      return c.update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => {
        d.accountBarriers = d.accountBarriers.length > 0 ? [] : [{ accountId: ACCOUNTS[0]!, limit: { maxOrders: 3, windowMs: 300 } }];
      });
    case 2:
      return c.update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => {
        for (const b of d.accountAssetBarriers) b.limit.windowMs = b.limit.windowMs === 200 ? 250 : 200;
        if (value % 2 === 0) d.accountAssetBarriers.push({ accountId: account, settlementAsset: "USD", limit: { maxOrders: 3, windowMs: 200 } });
      });
    case 3:
      // A broker cap comes and goes (while set, market orders fail the size check: no price).
      return c.update(OrderSizeLimitPolicy.NAME, OrderSizeLimitPolicy, (d) => {
        if (d.broker) delete d.broker;
        else d.broker = { maxQuantity: Quantity.fromInt(value * 10), maxNotional: Volume.fromString("60000") };
      });
    case 4:
      return c.update(SpotFundsPolicy.NAME, SpotFundsPolicy, (d) => void (d.slippageBps = value * 7));
    case 5:
      return c.update(SpotFundsPolicy.NAME, SpotFundsPolicy, (d) => void (d.pricingSource = d.pricingSource === "Mark" ? "BookTop" : "Mark"));
    case 6:
      return c.update(SpotFundsPolicy.NAME, SpotFundsPolicy, (d) => {
        if (d.accountLimitModes.get(account) === "TrackOnly") d.accountLimitModes.delete(account);
        else d.accountLimitModes.set(account, "TrackOnly");
        d.slippageOverrides.push({ instrumentId: InstrumentId.fromU64(1 + (value % 3)), accountId: account, slippageBps: value });
      });
    case 7:
      return c.update(SpotFundsPolicy.NAME, SpotFundsPolicy, (d) => void d.accountPnlBarriers.set(account, { lower: Pnl.fromInt(-10 * value) }));
    case 8:
      return c.update(PnlBoundsKillSwitchPolicy.NAME, PnlBoundsKillSwitchPolicy, (d) => {
        d.brokerBarriers = [{ settlementAsset: "USD", lowerBound: Pnl.fromInt(-100 * value) }];
      });
    case 9:
      // Invalid: refused, the old settings stay.
      return c.update(RateLimitPolicy.NAME, RateLimitPolicy, (d) => void (d.broker = { maxOrders: 5, windowMs: 0 }));
    case 10:
      return c.apply(PnlBoundsKillSwitchPolicy.NAME, PnlBoundsKillSwitchPolicy, (p) => {
        p.setAccountPnl(account, "USD", Pnl.fromInt(-20 * value));
        return undefined;
      });
    default:
      return c.apply(SpotFundsPolicy.NAME, SpotFundsPolicy, (p) => p.setAccountPnl(account, PnlState.value(Pnl.fromInt(-15 * value))));
  }
}
