/**
 * Commands as journal records. The hot shapes (orders, handles, execution reports) are
 * written as compact positional JSON arrays, so a replay parses ~60 bytes instead of ~330;
 * everything else, and any order or report of another shape, falls back to tagged plain data.
 * Decoding gives back the same domain values, decimals with their scale.
 */
import { AccountId } from "../param/ids.js";
import { Fee, Pnl, Price, Quantity, Volume } from "../param/values.js";
import type { PositionEffect, PositionSide, Side } from "../param/enums.js";
import { PreTradeLock, type PreTradeLockJson } from "../model/pre-trade-lock.js";
import type { ExecutionReport, Order } from "../model/index.js";
import type { ChannelCommand, Command } from "./commands.js";
import { fromPlain, toPlain } from "./plain-data.js";
import { knownChannelCommand, knownCommand } from "./command-kinds.js";

/*
 * Record = [kind, ts, ...]:
 *   ["c", ts, channel, [command…]]   one channel message
 *   ["f", ts, [report…]]              one feed message
 *   ["g", plain]                      any other command, as tagged plain data
 * Channel command: ["x", order, commit] execute · ["s", order] start · ["y", order] start dry
 * run · ["z", order] execute dry run · ["d", order, commit] drop copy · ["C", id] commit ·
 * ["R", id] rollback · ["e", id] execute request · ["D", id] discard request · ["r", report]
 * report · ["g", plain] any other.
 * Order: [account, underlying, settlement, "B"|"S", "q"|"v", amount, price|null], or
 * {"g": plain} for an order with position, margin or caller data.
 * Report: [account, underlying, settlement, side, pnl, fee, tradePrice, tradeQuantity,
 * feeAmount, feeCurrency, leaves, lock, isFinal, positionEffect, positionSide, executionId?]
 * (null = absent; executionId only when the report has one), or {"g": plain} for a report of
 * another shape.
 */

type Json = unknown;
type Row = readonly Json[];

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeCommand(c: Command): Uint8Array {
  return encoder.encode(JSON.stringify(compact(c)));
}

export function decodeCommand(bytes: Uint8Array): Command {
  return expand(JSON.parse(decoder.decode(bytes)) as Row);
}

function compact(c: Command): Row {
  switch (c.kind) {
    case "channel":
      return ["c", c.ts, c.channel.toString(), c.commands.map(compactChannelCommand)];
    case "feed":
      return ["f", c.ts, c.reports.map(compactReport)];
    default:
      return ["g", toPlain(c)];
  }
}

function expand(row: Row): Command {
  switch (row[0]) {
    case "c":
      return { kind: "channel", ts: row[1] as number, channel: BigInt(row[2] as string), commands: (row[3] as Row[]).map(expandChannelCommand) };
    case "f":
      return { kind: "feed", ts: row[1] as number, reports: (row[2] as Json[]).map(expandReport) };
    case "g": {
      const c = fromPlain(row[1]) as Command;
      if (!knownCommand(c)) throw new Error(`journal record of a command this version does not know: ${describeKind(c)}`);
      return c;
    }
    default:
      throw new Error(`journal record of unknown kind '${String(row[0])}'`);
  }
}

function describeKind(c: Command): string {
  return c.kind === "admin" ? `admin kind '${String((c.command as { kind?: unknown } | undefined)?.kind)}'` : `kind '${String(c.kind)}'`;
}

function compactChannelCommand(c: ChannelCommand): Row {
  switch (c.kind) {
    case "execute":
      return ["x", compactOrder(c.order), c.commitOnAccept ? 1 : 0];
    case "start":
      return ["s", compactOrder(c.order)];
    case "startDryRun":
      return ["y", compactOrder(c.order)];
    case "executeDryRun":
      return ["z", compactOrder(c.order)];
    case "dropCopy":
      return ["d", compactOrder(c.order), c.commitOnAccept ? 1 : 0];
    case "commit":
      return ["C", c.reservationId.toString()];
    case "rollback":
      return ["R", c.reservationId.toString()];
    case "executeRequest":
      return ["e", c.requestId.toString()];
    case "discardRequest":
      return ["D", c.requestId.toString()];
    case "report":
      return ["r", compactReport(c.report)];
    default:
      return ["g", toPlain(c)];
  }
}

function expandChannelCommand(row: Row): ChannelCommand {
  switch (row[0]) {
    case "x":
      return { kind: "execute", order: expandOrder(row[1]), commitOnAccept: row[2] === 1 };
    case "s":
      return { kind: "start", order: expandOrder(row[1]) };
    case "y":
      return { kind: "startDryRun", order: expandOrder(row[1]) };
    case "z":
      return { kind: "executeDryRun", order: expandOrder(row[1]) };
    case "d":
      return { kind: "dropCopy", order: expandOrder(row[1]), commitOnAccept: row[2] === 1 };
    case "C":
      return { kind: "commit", reservationId: BigInt(row[1] as string) };
    case "R":
      return { kind: "rollback", reservationId: BigInt(row[1] as string) };
    case "e":
      return { kind: "executeRequest", requestId: BigInt(row[1] as string) };
    case "D":
      return { kind: "discardRequest", requestId: BigInt(row[1] as string) };
    case "r":
      return { kind: "report", report: expandReport(row[1]) };
    case "g": {
      const c = fromPlain(row[1]) as ChannelCommand;
      if (!knownChannelCommand(c)) throw new Error(`journal channel command this version does not know: kind '${String(c.kind)}'`);
      return c;
    }
    default:
      throw new Error(`journal channel command of unknown kind '${String(row[0])}'`);
  }
}

// ---- orders ----------------------------------------------------------------------------

function compactOrder(o: Order): Json {
  const op = o.operation;
  const simple =
    o.position === undefined &&
    o.margin === undefined &&
    o.userData === undefined &&
    o.clientOrderId === undefined &&
    op?.instrument !== undefined &&
    op.accountId !== undefined &&
    op.side !== undefined &&
    op.tradeAmount !== undefined;
  if (!simple) return { g: toPlain(o) };
  const amount = op.tradeAmount!;
  return [
    op.accountId!.toString(),
    op.instrument!.underlyingAsset,
    op.instrument!.settlementAsset,
    op.side === "BUY" ? "B" : "S",
    amount.kind === "quantity" ? "q" : "v",
    amount.value.toString(),
    op.price === undefined ? null : op.price.toString(),
  ];
}

function expandOrder(j: Json): Order {
  if (!Array.isArray(j)) return fromPlain((j as { g: unknown }).g) as Order;
  const [account, underlyingAsset, settlementAsset, side, amountKind, amount, price] = j as [string, string, string, string, string, string, string | null];
  return {
    operation: {
      instrument: { underlyingAsset, settlementAsset },
      accountId: AccountId.fromU64(BigInt(account)),
      side: side === "B" ? "BUY" : "SELL",
      tradeAmount: amountKind === "q" ? { kind: "quantity", value: Quantity.fromString(amount) } : { kind: "volume", value: Volume.fromString(amount) },
      price: price === null ? undefined : Price.fromString(price),
    },
  };
}

// ---- execution reports ---------------------------------------------------------------------

const REPORT_KEYS = ["operation", "financialImpact", "fill", "positionImpact", "executionId"];

/** The shape the wire codec produces: all four parts, and nothing else but an execution id. */
function isWireShaped(r: ExecutionReport): boolean {
  if (r.operation === undefined || r.financialImpact === undefined || r.fill === undefined || r.positionImpact === undefined) return false;
  for (const key in r) if (!REPORT_KEYS.includes(key) && (r as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}

const str = (v: { toString(): string } | undefined): string | null => (v === undefined ? null : v.toString());

function compactReport(r: ExecutionReport): Json {
  if (!isWireShaped(r)) return { g: toPlain(r) };
  const { operation: op, financialImpact: fi, fill, positionImpact: pi } = r as Required<ExecutionReport>;
  return [
    str(op.accountId),
    op.instrument?.underlyingAsset ?? null,
    op.instrument?.settlementAsset ?? null,
    op.side ?? null,
    str(fi.pnl),
    str(fi.fee),
    str(fill.lastTrade?.price),
    str(fill.lastTrade?.quantity),
    str(fill.fee?.amount),
    fill.fee?.currency ?? null,
    str(fill.leavesQuantity),
    fill.lock === undefined ? null : fill.lock.toJSON(),
    fill.isFinal === undefined ? null : fill.isFinal ? 1 : 0,
    pi.positionEffect ?? null,
    pi.positionSide ?? null,
    // Last, and only when present: records written before ids end at positionSide.
    ...(r.executionId === undefined ? [] : [r.executionId]),
  ];
}

function expandReport(j: Json): ExecutionReport {
  if (!Array.isArray(j)) return fromPlain((j as { g: unknown }).g) as ExecutionReport;
  const [account, underlying, settlement, side, pnl, fee, tradePrice, tradeQuantity, feeAmount, feeCurrency, leaves, lock, isFinal, effect, positionSide, executionId] =
    j as (string | number | PreTradeLockJson | null)[];
  const s = (v: unknown) => (v === null ? undefined : (v as string));
  const report: ExecutionReport = {
    operation: {
      instrument: underlying === null ? undefined : { underlyingAsset: underlying as string, settlementAsset: settlement as string },
      accountId: account === null ? undefined : AccountId.fromU64(BigInt(account as string)),
      side: s(side) as Side | undefined,
    },
    financialImpact: { pnl: pnl === null ? undefined : Pnl.fromString(pnl as string), fee: fee === null ? undefined : Fee.fromString(fee as string) },
    fill: {
      lastTrade: tradePrice === null ? undefined : { price: Price.fromString(tradePrice as string), quantity: Quantity.fromString(tradeQuantity as string) },
      fee: feeAmount === null ? undefined : { amount: Fee.fromString(feeAmount as string), currency: feeCurrency as string },
      leavesQuantity: leaves === null ? undefined : Quantity.fromString(leaves as string),
      lock: lock === null ? undefined : PreTradeLock.fromJSON(lock),
      isFinal: isFinal === null ? undefined : isFinal === 1,
    },
    positionImpact: { positionEffect: s(effect) as PositionEffect | undefined, positionSide: s(positionSide) as PositionSide | undefined },
  };
  // Added only when present, as the wire codec does: a replayed report has the keys the live one had.
  return executionId === undefined ? report : { ...report, executionId: executionId as string };
}
