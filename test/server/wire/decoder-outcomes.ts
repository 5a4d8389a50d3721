/**
 * What a decoder makes of a channel or feed message, command by command, in a form two
 * decoders' results can be compared by: the domain values (`shape` names every class and
 * keeps key order, which `toStrictEqual` ignores) or the error with its code and field.
 * Shared by the random-message and the crafted-bytes comparisons of the hand decoders.
 */
import type * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import type * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import { decodeChannelCommand, decodeExecutionReport } from "../../../src/server/codec/index.js";
import { DecimalValue } from "../../../src/param/decimal-value.js";

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** `run()`'s value, or its error as text with the code and field a CommandError carries. */
export function outcome<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    const x = e as { code?: unknown; field?: unknown };
    return { ok: false, error: `${String(e)} code=${String(x.code)} field=${String(x.field)}` };
  }
}

/** Every value's structure, keys in order and classes named (toStrictEqual ignores key order). */
export function shape(x: unknown): unknown {
  if (x === null || typeof x !== "object") return typeof x === "bigint" ? `${x}n` : x;
  if (Array.isArray(x)) return x.map(shape);
  const o = x as Record<string, unknown>;
  return [o.constructor?.name, ...Object.keys(o).map((k) => [k, shape(o[k])])];
}

/**
 * Every decimal printed once (`toString()`), on both paths alike: the direct decoder shares
 * some values (a "0" P&L or fee, a lock price of the trade price's bytes), and whatever a
 * print leaves on a value must be there on both sides.
 */
export function settled<T>(x: T, seen = new Set<unknown>()): T {
  if (x === null || typeof x !== "object" || seen.has(x)) return x;
  seen.add(x);
  if (x instanceof DecimalValue) x.toString();
  else for (const v of x instanceof Map ? x.values() : Object.values(x as object)) settled(v, seen);
  return x;
}

/** Per command: the domain command or its error, as the channel service would get them. */
export function channelOutcomes(decode: (b: Uint8Array) => ch.OpenRequest, bytes: Uint8Array) {
  return outcome(() => {
    const m = decode(bytes);
    return { correlationId: m.correlationId, commands: m.commands.map((c, i) => outcome(() => settled(decodeChannelCommand(c.command, `commands[${i}]`, 16)))) };
  });
}

/** Per report: the domain report or its error, as the feed service would get them. */
export function feedOutcomes(decode: (b: Uint8Array) => fd.PublishRequest, bytes: Uint8Array) {
  return outcome(() => {
    const m = decode(bytes);
    return { correlationId: m.correlationId, reports: m.reports.map((r, i) => outcome(() => settled(decodeExecutionReport(r, `reports[${i}]`)))) };
  });
}
