/** What the CLI prints: aligned tables for people, JSON for scripts. */
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * The widest of `lengths`, 0 for none. A loop, not Math.max(...lengths): spread passes one
 * argument per row, and past ~130 000 rows that overflows the stack (found by review:
 * `accounts --all` with 150 000 accounts died "Maximum call stack size exceeded").
 */
function widest(lengths: Iterable<number>): number {
  let width = 0;
  for (const n of lengths) if (n > width) width = n;
  return width;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, widest(rows.map((r) => (r[i] ?? "").length))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

/** `label: value` lines with the labels aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = widest(pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join("\n") + "\n";
}

/** A message in protobuf JSON (the wire's JSON names; uint64 as strings), pretty-printed. */
export function messageJson<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  return `${JSON.stringify(toJson(schema, message as never), null, 2)}\n`;
}

/** An empty cell. */
export const NONE = "-";

/** An enum's name without its prefix, lower case (`SERVING_PHASE_SERVING` → `serving`). */
export function enumText(name: string | undefined, prefix: string): string {
  return name === undefined ? NONE : name.replace(prefix, "").toLowerCase();
}
