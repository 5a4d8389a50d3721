/** What the CLI prints: aligned tables for people, JSON for scripts. */
import { toJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

/** `label: value` lines with the labels aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
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
