/**
 * The crash test's seeded random workload: what a gateway, a fill feed and an operator
 * would send, chosen from what the client knows (its open reservations, its orders at the
 * venue). The client learns only from answers: `update` applies an operation's answer to
 * that knowledge, and for an operation in flight at a crash the test applies the answer
 * the reference gave, if the restarted process shows it took effect.
 */
import { create, fromJson, type JsonObject, type JsonValue, type MessageInitShape } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { seededRandom } from "../../bench/workload.js";
import type { Answer, WireOp } from "./reference.js";
import { testConfig } from "../server/harness.js";

export const ACCOUNTS: readonly bigint[] = [1001n, 1002n, 1003n, 1004n];
export const POLICIES = ["OrderValidationPolicy", "RateLimitPolicy", "OrderSizeLimitPolicy", "PnlBoundsKillSwitchPolicy", "SpotFundsPolicy"];

interface Inst {
  readonly id: bigint;
  readonly underlyingAsset: string;
  readonly settlementAsset: string;
  readonly lo: number;
  readonly hi: number;
}
const INSTRUMENTS: readonly Inst[] = [
  { id: 1n, underlyingAsset: "AAPL", settlementAsset: "USD", lo: 90, hi: 110 },
  { id: 2n, underlyingAsset: "MSFT", settlementAsset: "USD", lo: 250, hi: 350 },
];

/** Every built-in policy (test/server/harness.ts testConfig's), durable with a small snapshot interval and segments. */
export function crashConfig(): Record<string, unknown> {
  return {
    listen: "127.0.0.1:0",
    // In-process starts bind the HTTP listener too: a port of its own, never the default 9464.
    metrics: { listen: "127.0.0.1:0" },
    // TTL 0 = quotes never expire: time does not matter.
    marketData: { defaultTtlMs: 0, instruments: INSTRUMENTS.map((i) => ({ id: Number(i.id), underlyingAsset: i.underlyingAsset, settlementAsset: i.settlementAsset })) },
    accounts: { defaultCurrency: "USD" },
    // The end-to-end suites' policy list: a loose rate limit, so time does not matter.
    policies: testConfig().policies,
    durability: { mode: "sync", snapshotEveryRecords: 40, snapshotEverySeconds: 0, segmentBytes: 16384 },
  };
}

interface OrderRef {
  readonly accountId: bigint;
  readonly inst: Inst;
  readonly side: pb.Side;
  readonly qty: number;
  readonly lock: pb.PreTradeLock;
  /** The SpotFunds lock price (policy group 0). */
  readonly lockPrice: string | undefined;
}

/** A reservation this process life's channel holds. */
interface OpenReservation extends OrderRef {
  readonly reservationId: bigint;
}

/** An order at the venue (committed): fills and cancels come for it. */
interface VenueOrder extends OrderRef {
  leaves: number;
}

export interface Knowledge {
  open: OpenReservation[];
  readonly venue: VenueOrder[];
}

export interface Planned {
  readonly op: WireOp;
  /** For failure messages. */
  readonly what: string;
  /** Learns from the operation's answer. */
  readonly update?: (answer: Answer) => void;
}

const asObject = (v: JsonValue | undefined): JsonObject | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const resultAt = (answer: Answer, i: number): JsonObject => asObject((answer as JsonValue[])[i]) ?? {};

export class Workload {
  readonly known: Knowledge = { open: [], venue: [] };
  private readonly r: () => number;

  constructor(seed: number) {
    this.r = seededRandom(seed);
  }

  private int(n: number): number {
    return Math.floor(this.r() * n);
  }
  private chance(p: number): boolean {
    return this.r() < p;
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  private decimal(lo: number, hi: number, scale: number): string {
    return (lo + this.r() * (hi - lo)).toFixed(scale);
  }

  /** How many acknowledged operations before the next kill. */
  lifeLength(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** How many event-loop turns between sending the in-flight operation and the SIGKILL. */
  killDelayTurns(): number {
    return this.pick([0, 1, 2, 3, 5, 8]);
  }

  /**
   * The client's explicit rollback of every reservation it holds open (newest first, the
   * order a closing channel rolls back in: decimals keep their scale, so the order shows in
   * e.g. "0" vs "0.00"), or undefined when it holds none.
   */
  rollbackEverythingOpen(): WireOp | undefined {
    if (this.known.open.length === 0) return undefined;
    const newestFirst = [...this.known.open].sort((a, b) => (a.reservationId > b.reservationId ? -1 : 1));
    return channelOp(newestFirst.map((o) => ({ case: "rollbackReservation" as const, value: { reservationId: o.reservationId } })));
  }

  /** A crash rolled back every reservation of the channel. */
  crashed(): void {
    this.known.open = [];
  }

  /** The first operations of a process life: the channel opens (acknowledged); the first life also funds the accounts. */
  lifeStart(first: boolean): Planned[] {
    const out: Planned[] = [{ op: channelOp([{ case: "bindAccounts", value: { accountIds: [...ACCOUNTS] } }]), what: "bindAccounts(all)" }];
    if (first) {
      out.push({
        op: channelOp(
          ACCOUNTS.map((accountId) => ({
            case: "applyAccountAdjustment" as const,
            value: {
              accountId,
              adjustments: [balance("USD", "absolute", "50000"), balance("AAPL", "absolute", "20", "100"), balance("MSFT", "absolute", "10", "300")],
            },
          })),
        ),
        what: "fund every account",
      });
    }
    return out;
  }

  next(): Planned {
    const { open, venue } = this.known;
    const table: [number, () => Planned | undefined][] = [
      [30, () => this.execute()],
      [7, () => this.adjust()],
      [6, () => (open.length > 0 ? this.finalize() : undefined)],
      [16, () => (venue.length > 0 ? this.fill() : undefined)],
      [3, () => (venue.length > 0 ? this.cancel() : undefined)],
      [1.5, () => this.admin("blockAccount", create(ad.BlockAccountRequestSchema, { accountId: this.pick(ACCOUNTS), reason: "compliance hold" }))],
      [6, () => this.admin("unblockAccount", create(ad.UnblockAccountRequestSchema, { accountId: this.pick(ACCOUNTS) }))],
      [1, () => this.pnlAccumulator("-1500")],
      [3, () => this.pnlAccumulator("0")],
      [2, () => this.configureSizeLimit()],
      [5, () => this.quote()],
    ];
    const total = table.reduce((s, [w]) => s + w, 0);
    for (;;) {
      let x = this.r() * total;
      for (const [w, make] of table) {
        x -= w;
        if (x < 0) {
          const planned = make();
          if (planned) return planned;
          break;
        }
      }
    }
  }

  // ---- the gateway's channel --------------------------------------------------------------

  private execute(): Planned {
    const orders = this.chance(0.15) ? 2 : 1;
    const specs = Array.from({ length: orders }, () => {
      const inst = this.pick(INSTRUMENTS);
      const side = this.chance(0.65) ? pb.Side.BUY : pb.Side.SELL;
      // Mostly small; sometimes past the size cap (1000) or past the funds (700 × ~100+).
      const qty = this.chance(0.05) ? 1500 : this.chance(0.06) ? 700 : this.pick([1, 2, 3, 5, 8, 10, 15, 25, 40]);
      const price = this.chance(0.2) ? undefined : this.decimal(inst.lo, inst.hi, 2);
      return { accountId: this.pick(ACCOUNTS), inst, side, qty, price, commitOnAccept: this.chance(0.4) };
    });
    return {
      op: channelOp(
        specs.map((s) => ({
          case: "executePreTrade" as const,
          value: {
            order: {
              instrument: { underlyingAsset: s.inst.underlyingAsset, settlementAsset: s.inst.settlementAsset },
              accountId: s.accountId,
              side: s.side,
              tradeAmount: { case: "quantity" as const, value: String(s.qty) },
              price: s.price,
            },
            commitOnAccept: s.commitOnAccept,
          },
        })),
      ),
      what: specs
        .map((s) => `execute(${s.accountId} ${pb.Side[s.side]} ${s.qty} ${s.inst.underlyingAsset} @ ${s.price ?? "market"}${s.commitOnAccept ? ", commit" : ""})`)
        .join(" + "),
      update: (answer) =>
        specs.forEach((s, i) => {
          const ex = asObject(resultAt(answer, i).execute);
          if (ex?.accepted !== true) return;
          const lockJson = asObject(ex.lock) ?? {};
          const prices = (lockJson.prices as JsonObject[] | undefined) ?? [];
          const ref: OrderRef = {
            accountId: s.accountId,
            inst: s.inst,
            side: s.side,
            qty: s.qty,
            lock: fromJson(pb.PreTradeLockSchema, lockJson),
            lockPrice: prices.find((p) => (p.policyGroupId ?? 0) === 0)?.price as string | undefined,
          };
          if (ex.committed === true) this.known.venue.push({ ...ref, leaves: s.qty });
          else this.known.open.push({ ...ref, reservationId: BigInt(ex.reservationId as string) });
        }),
    };
  }

  private finalize(): Planned {
    const res = this.pick(this.known.open);
    const commit = this.chance(0.65);
    return {
      op: channelOp([{ case: commit ? "commitReservation" : "rollbackReservation", value: { reservationId: res.reservationId } }]),
      what: `${commit ? "commit" : "rollback"}(${res.reservationId})`,
      update: (answer) => {
        this.known.open = this.known.open.filter((o) => o !== res);
        if (commit && resultAt(answer, 0).finalize !== undefined) this.known.venue.push({ ...res, leaves: res.qty });
      },
    };
  }

  private adjust(): Planned {
    const accountId = this.pick(ACCOUNTS);
    const items = Array.from({ length: 1 + this.int(2) }, () => {
      const x = this.r();
      if (x < 0.35) return balance("USD", "absolute", this.decimal(20000, 60000, 0));
      if (x < 0.75) return balance("USD", "delta", this.decimal(-2000, 8000, 2));
      const inst = this.pick(INSTRUMENTS);
      return balance(inst.underlyingAsset, "absolute", String(this.int(60)), this.chance(0.7) ? this.decimal(inst.lo, inst.hi, 2) : undefined);
    });
    return { op: channelOp([{ case: "applyAccountAdjustment", value: { accountId, adjustments: items } }]), what: `adjust(${accountId})` };
  }

  // ---- the fill feed (a few reports come on the channel instead) --------------------------

  private report(v: VenueOrder, init: Omit<MessageInitShape<typeof pb.ExecutionReportSchema>, "$typeName">): pb.ExecutionReport {
    return create(pb.ExecutionReportSchema, {
      instrument: { underlyingAsset: v.inst.underlyingAsset, settlementAsset: v.inst.settlementAsset },
      accountId: v.accountId,
      side: v.side,
      lock: v.lock,
      pnl: "0",
      fee: "0",
      ...init,
    });
  }

  private reportOp(report: pb.ExecutionReport): WireOp {
    return this.chance(0.15) ? channelOp([{ case: "applyExecutionReport", value: { report } }]) : { t: "feed", reports: [report] };
  }

  private fill(): Planned {
    const v = this.pick(this.known.venue);
    const qty = v.leaves <= 1 || this.chance(0.4) ? v.leaves : 1 + this.int(v.leaves - 1);
    const base = Number(v.lockPrice ?? String((v.inst.lo + v.inst.hi) / 2));
    const price = this.chance(0.5) ? (v.lockPrice ?? base.toFixed(2)) : (base + this.pick([-1.5, -0.25, 0.5])).toFixed(2);
    // Mostly flat; now and then a loss past the broker barrier (-1000): the kill switch trips.
    const pnl = this.chance(0.03) ? "-1500" : this.chance(0.3) ? this.decimal(-40, 25, 2) : "0";
    const report = this.report(v, {
      pnl,
      fee: this.chance(0.3) ? "1.25" : "0",
      lastTrade: create(pb.TradeSchema, { price, quantity: String(qty) }),
      leavesQuantity: String(v.leaves - qty),
      isFinal: qty === v.leaves,
      ...(this.chance(0.3) ? { fillFee: create(pb.MonetaryAmountSchema, { amount: "0.5", currency: "USD" }) } : {}),
    });
    const op = this.reportOp(report);
    return {
      op,
      what: `fill(${v.accountId} ${pb.Side[v.side]} ${qty}/${v.leaves} ${v.inst.underlyingAsset} @ ${price}, pnl ${pnl}) on the ${op.t}`,
      update: (answer) => {
        const ok = resultAt(answer, 0).postTrade !== undefined;
        v.leaves -= qty;
        if (!ok || v.leaves === 0) this.known.venue.splice(this.known.venue.indexOf(v), 1);
      },
    };
  }

  private cancel(): Planned {
    const v = this.pick(this.known.venue);
    const op = this.reportOp(this.report(v, { leavesQuantity: String(v.leaves), isFinal: true }));
    return {
      op,
      what: `cancel(${v.accountId} ${pb.Side[v.side]} ${v.leaves} ${v.inst.underlyingAsset}) on the ${op.t}`,
      update: () => void this.known.venue.splice(this.known.venue.indexOf(v), 1),
    };
  }

  // ---- the operator ---------------------------------------------------------------------

  private admin(method: "blockAccount" | "unblockAccount" | "setPnlAccumulator" | "configurePolicy" | "pushQuote", request: { $typeName: string }): Planned {
    const shown = Object.entries(request)
      .filter(([k]) => k !== "$typeName")
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) : String(v)}`)
      .join(" ");
    return { op: { t: "admin", method, request: request as never }, what: `${method}(${shown})` };
  }

  private pnlAccumulator(pnl: string): Planned {
    return this.admin(
      "setPnlAccumulator",
      create(ad.SetPnlAccumulatorRequestSchema, { policyName: "PnlBoundsKillSwitchPolicy", accountId: this.pick(ACCOUNTS), settlementAsset: "USD", pnl }),
    );
  }

  private configureSizeLimit(): Planned {
    // Market orders have no price to size them by: they pass only while no cap applies to USD.
    const settings: Record<string, unknown> = this.chance(0.3)
      ? { assetBarriers: [{ settlementAsset: "EUR", limit: { maxQuantity: "10", maxNotional: "1000" } }] }
      : { broker: { maxQuantity: this.pick(["30", "100", "1000"]), maxNotional: this.pick(["4000", "20000", "1000000"]) } };
    if (this.chance(0.2)) {
      // An account-level cap: breaching it blocks the account (until an operator unblocks it).
      settings.accountAssetBarriers = [
        { accountId: String(this.pick(ACCOUNTS)), settlementAsset: "USD", limit: { maxQuantity: "20", maxNotional: "3000" } },
      ];
    }
    return this.admin("configurePolicy", create(ad.ConfigurePolicyRequestSchema, { policyName: "OrderSizeLimitPolicy", settingsJson: JSON.stringify(settings) }));
  }

  private quote(): Planned {
    const inst = this.pick(INSTRUMENTS);
    return this.admin(
      "pushQuote",
      create(ad.PushQuoteRequestSchema, { target: { case: "instrumentId", value: inst.id }, quote: { mark: this.decimal(inst.lo, inst.hi, 2) } }),
    );
  }
}

function channelOp(commands: ch.Command["command"][] | { case: string; value: unknown }[]): WireOp {
  return { t: "channel", commands: commands.map((command) => create(ch.CommandSchema, { command: command as never })) };
}

function balance(asset: string, kind: "absolute" | "delta", value: string, averageEntryPrice?: string): pb.AccountAdjustment {
  return create(pb.AccountAdjustmentSchema, {
    operation: { case: "balance", value: { asset, averageEntryPrice } },
    balanceAmount: { amount: { case: kind, value } },
  });
}
