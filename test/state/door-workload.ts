/**
 * A seeded random workload through the door (domain commands, no sockets): channels,
 * orders left open, commits, rollbacks, fills and cancels, adjustments, blocks, a P&L kill
 * switch, runtime limit changes, market data, TTL expiry, takeovers. Every answer is
 * returned as stable text so two runs can be compared exactly.
 */
import { ManualClock } from "../../src/engine/index.js";
import { AccountId, InstrumentId, Pnl, Price } from "../../src/param/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import type { ChannelCommand } from "../../src/state/commands.js";
import type { ExecutionReport } from "../../src/model/index.js";
import type { Journal } from "../../src/state/journal/journal.js";
import { seededRandom } from "../../bench/workload.js";
import { balanceAdjustment, buy, cancelReport, fillReport, sell } from "../helpers/spot-funds.js";
import { testConfig } from "../server/harness.js";

export const ACCOUNTS = [1n, 2n, 3n, 4n].map((n) => AccountId.fromU64(n));

/** The five built-ins, then `more` policies (config entries) after them. */
export function doorConfig(more: readonly object[] = []) {
  return parseSidecarConfig(
    testConfig({
      // Few execution ids, briefly: the workload's repeats meet ids remembered and forgotten both.
      limits: { reservationTtlMs: 5_000, executionIdRetentionMs: 20_000, maxExecutionIds: 12 },
      policies: [
        { type: "OrderValidationPolicy" },
        { type: "RateLimitPolicy", settings: { broker: { maxOrders: 12, windowMs: 1000 } } },
        { type: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: "50", maxNotional: "6000" } } },
        { type: "PnlBoundsKillSwitchPolicy", settings: { brokerBarriers: [{ settlementAsset: "USD", lowerBound: "-300" }] } },
        { type: "SpotFundsPolicy", settings: { pricingSource: "Mark" } },
        ...more,
      ],
    }),
  );
}

/** A door on a journal, with a manual time source the workload advances. */
export function doorOn(journal: Journal, clock = new ManualClock(1_000), more: readonly object[] = []): { state: SidecarState; clock: ManualClock } {
  const state = buildState(doorConfig(more), clock);
  state.attachJournal(journal);
  return { state, clock };
}

/** Stable text of any answer: decimals with their scale, ids, errors with code, field and message. */
export function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Error) return { error: v.name, ...(v as object), message: v.message };
    if (v instanceof Map) return { map: [...v] };
    if (v !== null && typeof v === "object" && "channelId" in v && "openReservationCount" in v) return { channel: (v as { channelId: bigint }).channelId };
    return v;
  });
}

interface Live {
  readonly reservation: bigint;
  readonly side: "BUY" | "SELL";
  readonly qty: number;
  readonly price: string;
}

/** Runs `steps` random steps against `state`; returns every answer as text, in order. */
export function runWorkload(state: SidecarState, clock: ManualClock, seed: number, steps: number): string[] {
  const rnd = seededRandom(seed);
  // Execution ids draw from their own stream: the rest of the workload is what it was before ids.
  const ids = seededRandom(seed ^ 0x1d5);
  const sent: ExecutionReport[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const out: string[] = [];
  const channels: bigint[] = [];
  const open = new Map<bigint, { account: AccountId; live: Live }>();
  const committed: { account: AccountId; live: Live; left: number }[] = [];
  const record = (what: string, value: unknown) => out.push(`${what} ${stable(value)}`);

  const channel = (): bigint => {
    if (channels.length === 0 || rnd() < 0.05) channels.push(state.openChannel().channelId);
    return pick(channels);
  };
  const run = (commands: ChannelCommand[]) => {
    const id = channel();
    const results = state.runChannel(id, commands);
    record(`channel ${id}`, results);
    return results;
  };

  for (let step = 0; step < steps; step++) {
    clock.advance(int(0, 400));
    const account = pick(ACCOUNTS);
    const roll = rnd();
    if (roll < 0.12) {
      run([{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("USD", { balance: [rnd() < 0.5 ? "abs" : "delta", `${int(0, 5000)}.${int(0, 99)}`] })] }]);
      if (rnd() < 0.3) run([{ kind: "adjust", accountId: account, adjustments: [balanceAdjustment("AAPL", { balance: ["delta", `${int(1, 40)}`] })] }]);
    } else if (roll < 0.45) {
      const side = rnd() < 0.7 ? "BUY" : "SELL";
      const qty = int(1, 60);
      const price = `${int(90, 110)}.${int(0, 9)}`;
      const market = rnd() < 0.1;
      const order = side === "BUY" ? buy(`${qty}`, market ? null : price, { account }) : sell(`${qty}`, market ? null : price, { account });
      const commitOnAccept = rnd() < 0.3;
      const [r] = run([{ kind: "execute", order, commitOnAccept }]);
      if (r?.kind === "executeAccepted") {
        const lockPrice = r.lock.prices()[0]?.toString() ?? price;
        const live = { reservation: r.reservationId, side, qty, price: lockPrice } as const;
        if (r.committed) committed.push({ account, live, left: qty });
        else open.set(r.reservationId, { account, live });
      }
    } else if (roll < 0.58 && open.size > 0) {
      const [id, o] = pick([...open]);
      open.delete(id);
      const ownerChannel = channels.find((c) => (id >> 32n) === c);
      if (ownerChannel === undefined) continue;
      const commit = rnd() < 0.6;
      const results = state.runChannel(ownerChannel, [{ kind: commit ? "commit" : "rollback", reservationId: id }]);
      record(`finalize ${ownerChannel}`, results);
      if (commit && results[0]?.kind === "finalized") committed.push({ account: o.account, live: o.live, left: o.live.qty });
    } else if (roll < 0.72 && committed.length > 0) {
      const c = pick(committed);
      const fill = Math.min(c.left, int(1, c.live.qty));
      const reports =
        rnd() < 0.2
          ? [cancelReport(c.live.side, `${c.left}`, c.live.price, { account: c.account })]
          : [fillReport(c.live.side, `${fill}`, `${int(95, 105)}`, { account: c.account, lockPrice: c.live.price, leaves: `${c.left - fill}`, final: c.left - fill === 0, ...(rnd() < 0.3 ? { fee: ["1.25", "USD"] as const } : {}) })];
      c.left -= fill;
      if (c.left === 0 || reports[0]!.fill?.isFinal) committed.splice(committed.indexOf(c), 1);
      // Most reports carry an id; some messages re-send an earlier one (a gateway after a broken stream).
      if (ids() < 0.7) {
        reports[0] = { ...reports[0]!, executionId: `E${sent.length}` };
        sent.push(reports[0]);
      }
      if (sent.length > 0 && ids() < 0.3) reports.push(sent[Math.floor(ids() * sent.length)]!);
      record("feed", state.applyReports(reports));
    } else if (roll < 0.78) {
      const kind = pick(["blockAccount", "unblockAccount"] as const);
      record(kind, tryAdmin(() => state.admin(kind === "blockAccount" ? { kind, accountId: account, reason: "compliance hold" } : { kind, accountId: account })));
    } else if (roll < 0.81) {
      record("accumulator", tryAdmin(() => state.admin({ kind: "setPnlAccumulator", policy: "PnlBoundsKillSwitchPolicy", accountId: account, asset: "USD", pnl: Pnl.fromString(`-${int(0, 400)}`) })));
    } else if (roll < 0.84) {
      record("configure", tryAdmin(() => state.admin({ kind: "configurePolicy", policy: "OrderSizeLimitPolicy", settings: { broker: { maxQuantity: `${int(10, 60)}`, maxNotional: `${int(1000, 7000)}` } } })));
    } else if (roll < 0.89) {
      const quote = { mark: Price.fromString(`${int(95, 105)}.${int(0, 99)}`), bid: undefined, ask: undefined };
      record("quote", tryAdmin(() => state.admin({ kind: "pushQuote", target: { id: InstrumentId.fromU64(1) }, quote, accountIds: [], groups: [], patch: false })));
    } else if (roll < 0.92) {
      record("dry", run([{ kind: "executeDryRun", order: buy(`${int(1, 20)}`, "100", { account }) }]));
    } else if (roll < 0.95) {
      clock.advance(int(1000, 6000));
      state.sweepExpired();
      record("sweep", [...state.channels.values()].map((c) => c.openReservationCount));
    } else if (roll < 0.97) {
      record("bind", run([{ kind: "bind", accountIds: [account], takeover: true }]));
    } else if (channels.length > 1) {
      const id = channels.splice(Math.floor(rnd() * channels.length), 1)[0]!;
      state.closeChannel(id, "disconnect");
      record("close", id);
    }
    // Handles an expiry, takeover or close consumed are forgotten by the workload too.
    for (const id of [...open.keys()]) {
      if (![...state.channels.values()].some((c) => c.openReservationsOf(open.get(id)!.account).includes(id))) open.delete(id);
    }
  }
  return out;
}

function tryAdmin(action: () => unknown): unknown {
  try {
    return action();
  } catch (e) {
    return e;
  }
}
