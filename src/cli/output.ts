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

/** C0 controls, DEL and C1 controls: what a terminal acts on rather than shows. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** Whitespace or a control character: a value that must be quoted to be read back as one. */
const NEEDS_QUOTES = /[\s\u0000-\u001f\u007f-\u009f]/;

const SHORT_ESCAPES: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function escapeControl(c: string): string {
  return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `text` with its control characters written as JSON writes them (a newline as `\n`, ESC as
 * `\u001b`; DEL and C1 too, which JSON leaves raw), for people's output. Found by review
 * (session 37): a block reason is the sidecar's text, typed by whoever blocked: a newline in it
 * added rows to `accounts` and lines to `state`, and ESC sequences reached the operator's
 * terminal raw (clearing the screen, rewriting lines above). Every table cell and field value
 * goes through it (table(), fields()), and so does any other server text a command prints.
 * Backslashes are left as they are; --json output is JSON and needs none of this.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeControl);
}

/** `text` as one token of a `key=value` line: in JSON quotes (controls escaped) when it holds whitespace or a control character. */
export function quotedIfNeeded(text: string): string {
  return NEEDS_QUOTES.test(text) ? printable(JSON.stringify(text)) : text;
}

/** Marks drawn on the character before them, and zero-width spaces and joiners: no column of their own. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\u2060]/u;
/**
 * Characters a terminal draws two columns wide: East Asian wide and fullwidth forms (Hangul
 * jamo, CJK, kana, Hangul syllables, compatibility ideographs, fullwidth signs, the
 * supplementary ideographic planes) and emoji shown as pictures.
 */
const DOUBLE_WIDTH = /[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}\p{Emoji_Presentation}]/u;

/**
 * The columns `text` takes on a terminal. Not `length`, which counts UTF-16 units (found by
 * review: an account's block reason in Japanese or with an emoji shifted every later column
 * of its row, since such a character is one unit or two but two columns, and a combining
 * accent one unit but no column).
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += ZERO_WIDTH.test(c) ? 0 : DOUBLE_WIDTH.test(c) ? 2 : 1;
  return width;
}

function padded(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/** Columns padded to their widest cell (as printed: escaped, in terminal columns); the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const shown = rows.map((r) => r.map(printable));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), widest(shown.map((r) => displayWidth(r[i] ?? "")))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : padded(c, widths[i]!)))
      .join("  ")
      .trimEnd();
  return `${[line(headers.map(printable)), ...shown.map(line)].join("\n")}\n`;
}

/** `label: value` lines with the labels aligned, values escaped (printable). */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = widest(pairs.map(([k]) => displayWidth(printable(k))));
  return pairs.map(([k, v]) => `${padded(`${printable(k)}:`, width + 2)}${printable(v)}`).join("\n") + "\n";
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
