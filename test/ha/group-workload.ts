/**
 * The several-owners suites' workload and oracle. Accounts are chosen by shard (two per
 * shard of S = 4), every operation names one account (so it stays in that account's
 * ownership group), and the oracle is one in-process reference per ownership group fed
 * exactly the operations its owner acknowledged, in the order they were acknowledged: the
 * group's engine sees nothing else (no broker-wide state crosses groups with
 * `ownership.crossShard: "per-instance"` and this workload, which has no fills).
 */
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { seededRandom } from "../../bench/workload.js";
import { callUnary, type SidecarClients } from "../../src/client/index.js";
import { shardOf } from "../../src/replication/shard-of.js";
import { CRASH, Reference, type WireOp } from "../durability/reference.js";

export const SHARD_COUNT = 4;

/** `perShard` account ids (from 1001 up) for each shard, in shard order. */
export function accountsByShard(perShard: number, shardCount = SHARD_COUNT): bigint[][] {
  const out: bigint[][] = Array.from({ length: shardCount }, () => []);
  for (let id = 1001n; out.some((a) => a.length < perShard); id++) {
    const s = out[shardOf(id, shardCount)]!;
    if (s.length < perShard) s.push(id);
  }
  return out;
}

const channelOp = (commands: ch.Command["command"][]): WireOp => ({ t: "channel", commands: commands.map((command) => create(ch.CommandSchema, { command })) });

const balance = (asset: string, kind: "absolute" | "delta", value: string, averageEntryPrice?: string): pb.AccountAdjustment =>
  create(pb.AccountAdjustmentSchema, { operation: { case: "balance", value: { asset, averageEntryPrice } }, balanceAmount: { amount: { case: kind, value } } });

/** The channel commands of one operation (what the owner-following client sends). */
export const commandsOf = (op: WireOp): ch.Command["command"][] => (op.t === "channel" ? op.commands.map((c) => c.command) : []);

/** Seeded operations on one account at a time: funding, orders committed on accept (some too large), balance changes. */
export class GroupWorkload {
  private readonly r: () => number;

  constructor(seed: number) {
    this.r = seededRandom(seed);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }

  fund(accountId: bigint): WireOp {
    return channelOp([
      { case: "applyAccountAdjustment", value: create(ch.ApplyAccountAdjustmentSchema, { accountId, adjustments: [balance("USD", "absolute", "50000"), balance("AAPL", "absolute", "20", "100")] }) },
    ]);
  }

  next(accountId: bigint): WireOp {
    if (this.r() < 0.3) {
      return channelOp([{ case: "applyAccountAdjustment", value: create(ch.ApplyAccountAdjustmentSchema, { accountId, adjustments: [balance("USD", "delta", (this.r() * 3000 - 1000).toFixed(2))] }) }]);
    }
    // Mostly small; sometimes past the size cap (1000) or past the funds.
    const qty = this.r() < 0.05 ? 1500 : this.r() < 0.06 ? 700 : this.pick([1, 2, 3, 5, 8, 10, 15]);
    const side = this.r() < 0.7 ? pb.Side.BUY : pb.Side.SELL;
    return channelOp([
      {
        case: "executePreTrade",
        value: create(ch.ExecutePreTradeSchema, {
          order: { instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" }, accountId, side, tradeAmount: { case: "quantity", value: String(qty) }, price: (90 + this.r() * 20).toFixed(2) },
          commitOnAccept: true,
        }),
      },
    ]);
  }
}

/** One ownership group's oracle: the operations its owner acknowledged, a takeover counting as a crash. */
export class GroupOracle {
  readonly ops: WireOp[] = [];

  constructor(
    private readonly config: Record<string, unknown>,
    readonly accounts: readonly bigint[],
  ) {}

  acknowledged(op: WireOp): void {
    this.ops.push(op);
  }

  takeover(): void {
    this.ops.push(CRASH);
  }

  /** The reference's view of the group's accounts (channel pins left out: channels differ per client). */
  view(): Record<string, JsonValue> {
    const { ownership: _o, replication: _r, ...single } = this.config;
    const { ref } = Reference.replay(single, this.ops);
    return Object.fromEntries(this.accounts.map((a) => [a.toString(), withoutPin(toJson(ad.GetAccountStateResponseSchema, ref.accountState(a)))]));
  }
}

function withoutPin(j: JsonValue): JsonValue {
  const { pinnedChannelId: _p, ...rest } = j as Record<string, JsonValue>;
  return rest;
}

/** What a sidecar holds for `accounts` (channel pins left out), read through AdminService. */
export async function accountsView(clients: SidecarClients, accounts: readonly bigint[]): Promise<Record<string, JsonValue>> {
  const out: Record<string, JsonValue> = {};
  for (const accountId of accounts) {
    const s = await callUnary<ad.GetAccountStateResponse>(clients.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));
    out[accountId.toString()] = withoutPin(toJson(ad.GetAccountStateResponseSchema, s));
  }
  return out;
}
