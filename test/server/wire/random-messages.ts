/**
 * Reproducible random channel messages for the wire codec tests: every command and
 * result kind, every presence rule, ids across the varint length classes, strings
 * across the length-prefix classes, ASCII and not.
 */
import { create } from "@bufbuild/protobuf";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { CommandErrorSchema, ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import * as pb from "../../../gen/openpit/sidecar/v1/types_pb.js";
import { seededRandom } from "../../../bench/workload.js";

/** Reproducible randomness (mulberry32, the load harness's), so a failure names its seed. */
export const rng = seededRandom;

/** Runs `check` for seeds 1..n; a failure names its seed. */
export function forSeeds(n: number, check: (seed: number) => void): void {
  for (let seed = 1; seed <= n; seed++) {
    try {
      check(seed);
    } catch (e) {
      throw new Error(`seed ${seed}: ${String(e)}`);
    }
  }
}

export function randomRequest(seed: number): ch.OpenRequest {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const u64 = () => pick([0n, 1n, 127n, 128n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(1e6))]);
  const str = () => pick(["", "10", "185.25", "-0.5", "USD", "AAPL", "x".repeat(130), "é", "1e5"]);
  const maybe = <T>(f: () => T): T | undefined => (chance(0.5) ? f() : undefined);
  const order = (): pb.Order =>
    create(pb.OrderSchema, {
      instrument: maybe(() => ({ underlyingAsset: str(), settlementAsset: str() })),
      accountId: u64(),
      side: pick([0, 1, 2, 9, -1]),
      tradeAmount: pick([{ case: "quantity" as const, value: str() }, { case: "volume" as const, value: str() }, { case: undefined }]),
      price: maybe(str),
      positionSide: pick([0, 1, 2]),
      reduceOnly: chance(0.3),
      closePosition: chance(0.3),
      leverage: maybe(str),
      collateralAsset: maybe(str),
      autoBorrow: chance(0.3),
      clientOrderId: maybe(str),
      retry: chance(0.3),
    });
  const command = (): ch.Command => {
    const all: ch.Command["command"][] = [
      { case: "executePreTrade", value: create(ch.ExecutePreTradeSchema, { order: maybe(order), commitOnAccept: chance(0.5) }) },
      { case: "startPreTrade", value: create(ch.StartPreTradeSchema, { order: maybe(order) }) },
      { case: "executeRequest", value: create(ch.ExecuteRequestSchema, { requestId: u64() }) },
      { case: "commitReservation", value: create(ch.CommitReservationSchema, { reservationId: u64() }) },
      { case: "rollbackReservation", value: create(ch.RollbackReservationSchema, { reservationId: u64() }) },
      { case: "bindAccounts", value: create(ch.BindAccountsSchema, { accountIds: [u64(), u64()], takeover: chance(0.5) }) },
      { case: "executePreTradeDryRun", value: create(ch.ExecutePreTradeDryRunSchema, { order: maybe(order) }) },
      { case: "applyAccountAdjustment", value: create(ch.ApplyAccountAdjustmentSchema, { accountId: u64() }) },
      { case: undefined },
    ];
    return create(ch.CommandSchema, { command: pick(all) });
  };
  return create(ch.OpenRequestSchema, { correlationId: u64(), commands: Array.from({ length: int(6) }, command) });
}

export function randomResponse(seed: number): ch.OpenResponse {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const u64 = (): bigint => pick([0n, 1n, 127n, 128n, 16_383n, 16_384n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(1e9))]);
  const u32 = (): number => pick([0, 1, 127, 128, 65_535, 2 ** 31, 2 ** 32 - 1, int(1000)]);
  const str = (): string => {
    switch (int(6)) {
      case 0:
        return "";
      case 1:
        return pick(["-1852.50", "999999998147.50", "0", "185.25", "USD", "AAPL"]);
      case 2:
        return "é€😀 naïve ünïcødé";
      case 3:
        return "x".repeat(pick([127, 128, 200, 16_383, 16_384, 20_000]));
      case 4:
        return "\ud800 lone surrogate";
      default:
        return Array.from({ length: int(40) }, () => String.fromCharCode(32 + int(95))).join("");
    }
  };
  const enumValue = (): number => pick([0, 1, 2, 3, 7, 29]);
  const amount = () => create(pb.OutcomeAmountSchema, { delta: str(), absolute: str() });
  const outcome = () =>
    create(pb.AccountOutcomeSchema, {
      policyGroupId: u32(),
      asset: str(),
      balance: chance(0.5) ? amount() : undefined,
      held: chance(0.5) ? amount() : undefined,
      incoming: chance(0.5) ? amount() : undefined,
      realizedPnl: chance(0.4)
        ? create(pb.PnlOutcomeSchema, {
            result: pick([
              { case: "value" as const, value: amount() },
              { case: "halted" as const, value: enumValue() },
              { case: undefined },
            ]),
          })
        : undefined,
      averageEntryPrice: chance(0.5) ? str() : undefined,
    });
  const reject = () => create(pb.RejectSchema, { policy: str(), code: enumValue(), reason: str(), details: str(), scope: enumValue() });
  const lock = () => create(pb.PreTradeLockSchema, { prices: Array.from({ length: int(4) }, () => ({ policyGroupId: u32(), price: str() })) });
  const many = <T>(f: () => T, max = 4): T[] => Array.from({ length: int(max) }, f);
  const block = () => create(pb.AccountBlockSchema, { policy: str(), code: enumValue(), reason: str(), details: str() });

  const result = (): ch.CommandResult => {
    const results: ch.CommandResult["result"][] = [
      { case: "error", value: create(ch.CommandResultSchema).result.value as never },
      { case: "error", value: { $typeName: "openpit.sidecar.v1.CommandError", code: pick([0, ErrorCode.INVALID_VALUE, ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.NOT_OWNER]), message: str(), field: str(), ownerAddress: chance(0.5) ? str() : "" } },
      { case: "start", value: create(ch.StartResultSchema, { accepted: chance(0.5), requestId: u64(), rejects: many(reject) }) },
      {
        case: "execute",
        value: create(ch.ExecuteResultSchema, {
          accepted: chance(0.5),
          reservationId: u64(),
          committed: chance(0.5),
          lock: chance(0.7) ? lock() : undefined,
          accountAdjustments: many(outcome),
          rejects: many(reject),
        }),
      },
      { case: "finalize", value: create(ch.FinalizeResultSchema, { id: u64() }) },
      { case: "bind", value: create(ch.BindResultSchema, { takenOver: many(u64) }) },
      { case: "dryRun", value: create(ch.DryRunResultSchema, { pass: chance(0.5), rejects: many(reject), lock: lock(), accountAdjustments: many(outcome), accountBlock: chance(0.5) ? block() : undefined }) },
      { case: "dropCopy", value: create(ch.DropCopyResultSchema, { reservationId: u64(), committed: chance(0.5), lock: lock(), accountAdjustments: many(outcome) }) },
      { case: "adjustment", value: create(ch.AdjustmentBatchResultSchema, { accepted: chance(0.5), failedIndex: u32(), rejects: many(reject), outcomes: many(outcome), accountBlocks: many(block) }) },
    ];
    const chosen = results[int(results.length)]!;
    // An error case built from an empty CommandResult has no value: use a real empty error.
    if (chosen.case === "error" && chosen.value === undefined) return create(ch.CommandResultSchema, { result: { case: "error", value: {} } });
    return create(ch.CommandResultSchema, { result: chosen });
  };
  const notice = (): ch.ChannelNotice | undefined =>
    chance(0.15)
      ? create(ch.ChannelNoticeSchema, { notice: { case: "handlesExpired", value: { reservationIds: many(u64) } } })
      : undefined;
  return create(ch.OpenResponseSchema, {
    correlationId: u64(),
    results: chance(0.1) ? [create(ch.CommandResultSchema)] : many(result, 6),
    notice: notice(),
    // A whole-message refusal (BATCH_TOO_LARGE), empty or not.
    error: chance(0.15) ? create(CommandErrorSchema, chance(0.3) ? {} : { code: pick([ErrorCode.BATCH_TOO_LARGE, 29]), message: str(), field: str() }) : undefined,
  });
}

/** The same message with a few bytes overwritten, or cut short. */
export function corrupted(bytes: Uint8Array, seed: number): Uint8Array {
  const r = rng(seed * 7 + 1);
  if (r() < 0.5) return bytes.subarray(0, Math.floor(r() * bytes.length));
  const copy = Uint8Array.from(bytes);
  for (let k = 0; k < 3; k++) copy[Math.floor(r() * copy.length)] = Math.floor(r() * 256);
  return copy;
}

/** A decode's outcome, comparable whether it succeeded or threw. */
export function attempt<T>(decode: () => T): { ok: true; message: T } | { ok: false; error: string } {
  try {
    return { ok: true, message: decode() };
  } catch (e) {
    return { ok: false, error: String(e) };
  }
}

/** Hand-built wire bytes, for shapes toBinary never writes. */
export const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return [...out, n];
};
export const len = (field: number, body: number[]): number[] => [...varint(field * 8 + 2), ...varint(body.length), ...body];
export const ascii = (s: string): number[] => [...Buffer.from(s, "utf8")];

/** Random feed requests: reports with every field present or not, every length class. */
export function randomPublishRequest(seed: number): fd.PublishRequest {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const u64 = () => pick([0n, 1n, 127n, 128n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(1e6))]);
  const u32 = (): number => pick([0, 1, 127, 128, 65_535, 2 ** 31, 2 ** 32 - 1, int(1000)]);
  const str = () => pick(["", "10", "185.25", "-0.5", "USD", "AAPL", "x".repeat(130), "é", "1e5", "0"]);
  const maybe = <T>(f: () => T): T | undefined => (chance(0.5) ? f() : undefined);
  const report = (): pb.ExecutionReport =>
    create(pb.ExecutionReportSchema, {
      instrument: maybe(() => ({ underlyingAsset: str(), settlementAsset: str() })),
      accountId: u64(),
      side: pick([0, 1, 2, 9, -1]),
      pnl: maybe(str),
      fee: maybe(str),
      lastTrade: maybe(() => ({ price: str(), quantity: str() })),
      fillFee: maybe(() => ({ amount: str(), currency: str() })),
      leavesQuantity: maybe(str),
      lock: maybe(() => ({ prices: Array.from({ length: int(3) }, () => ({ policyGroupId: u32(), price: str() })) })),
      isFinal: chance(0.5),
      positionEffect: pick([0, 1, 2, 7]),
      positionSide: pick([0, 1, 2, 7]),
      clientOrderId: maybe(str),
    });
  return create(fd.PublishRequestSchema, { correlationId: u64(), reports: Array.from({ length: int(6) }, report) });
}

/** Random feed responses: post-trade results (blocks, P&Ls, outcomes), errors, empty results, a whole-message error. */
export function randomPublishResponse(seed: number): fd.PublishResponse {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const channelLike = randomResponse(seed);
  const outcomes = channelLike.results.flatMap((x) => (x.result.case === "execute" ? x.result.value.accountAdjustments : []));
  const u64 = (): bigint => pick([0n, 1n, 127n, 128n, 2n ** 53n, 2n ** 64n - 1n, BigInt(int(1e9))]);
  const u32 = (): number => pick([0, 1, 127, 128, 2 ** 32 - 1, int(1000)]);
  const str = (): string => pick(["", "USD", "-1852.50", "é€😀", "x".repeat(200), "P&L bounds"]);
  const enumValue = (): number => pick([0, 1, 2, 3, 7, 29]);
  const many = <T>(f: () => T, max = 3): T[] => Array.from({ length: int(max) }, f);
  const pnl = () =>
    create(pb.PnlOutcomeSchema, {
      result: pick([
        { case: "value" as const, value: create(pb.OutcomeAmountSchema, { delta: str(), absolute: str() }) },
        { case: "halted" as const, value: enumValue() },
        { case: undefined },
      ]),
    });
  const result = (): fd.ReportResult =>
    pick([
      () => create(fd.ReportResultSchema),
      () => create(fd.ReportResultSchema, { result: { case: "error", value: { code: pick([0, ErrorCode.INVALID_VALUE, 29]), message: str(), field: str() } } }),
      () =>
        create(fd.ReportResultSchema, {
          result: {
            case: "postTrade",
            value: {
              accountBlocks: many(() => create(pb.AccountBlockSchema, { policy: str(), code: enumValue(), reason: str(), details: str() })),
              accountPnls: many(() => create(pb.AccountPnlSchema, { accountId: u64(), policyGroupId: u32(), result: chance(0.7) ? pnl() : undefined })),
              accountAdjustments: chance(0.5) ? outcomes : [],
            },
          },
        }),
    ])();
  return create(fd.PublishResponseSchema, {
    correlationId: u64(),
    results: many(result, 6),
    error: chance(0.15) ? create(CommandErrorSchema, chance(0.3) ? {} : { code: pick([ErrorCode.BATCH_TOO_LARGE, 29]), message: str(), field: str() }) : undefined,
  });
}
