/**
 * An operator's reason (a block's, a trading state's) takes at most 4 KiB of UTF-8, whatever
 * the state it comes with. It goes into the journal, into the audit record (escaped as JSON,
 * up to twice its size), to monitors, and a block's into the reject of every order it stops.
 * Found by review (sessions 33 and 34): reasons of megabytes made audit records and settings
 * that no default client could receive, so QueryAudit and GetPolicySettings stuck every reader.
 */
import type { PolicyCatalogEntry } from "../../policies/catalog-entry.js";
import { invalid } from "../../state/command-error.js";

export const MAX_REASON_BYTES = 4096;

/** Why `text` is too long for a reason (`takes N bytes, more than 4096`), or undefined. */
export function reasonTooLong(text: string): string | undefined {
  // Cheap first: a string of n UTF-16 units takes at most 3n bytes.
  if (text.length * 3 <= MAX_REASON_BYTES) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > MAX_REASON_BYTES ? `takes ${bytes} bytes, more than ${MAX_REASON_BYTES}` : undefined;
}

/** `text`, refused INVALID_VALUE on `field` past MAX_REASON_BYTES. */
export function boundedReason(text: string, field: string): string {
  const problem = reasonTooLong(text);
  if (problem !== undefined) invalid(field, problem);
  return text;
}

/**
 * The first reason of a policy's settings (TradingStatePolicy's states) past MAX_REASON_BYTES:
 * its path under the settings (`states[3].reason`) and the problem; undefined when none is.
 * `settings` are JSON the policy's parser accepted. Asked where an operator writes settings
 * (ConfigurePolicy, the configuration file), never by the parser, which a replay runs too: a
 * record journaled before the bound must replay as it ran live (found by review, session 34:
 * SetTradingState bounded the reason, ConfigurePolicy and the file took a state of any length).
 */
export function longSettingsReason(entry: PolicyCatalogEntry | undefined, settings: unknown): { path: string; problem: string } | undefined {
  for (const { path, reason } of entry?.operatorReasons?.(settings) ?? []) {
    const problem = reasonTooLong(reason);
    if (problem !== undefined) return { path, problem };
  }
  return undefined;
}
