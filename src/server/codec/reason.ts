/**
 * An operator's reason (a block's, a trading state's) takes at most 4 KiB of UTF-8, whatever
 * the state it comes with. It goes into the journal, into the audit record (escaped as JSON,
 * up to twice its size), to monitors, and a block's into the reject of every order it stops.
 * Found by review (sessions 33 and 34): reasons of megabytes made audit records and settings
 * that no default client could receive, so QueryAudit and GetPolicySettings stuck every reader.
 */
import { invalid } from "../../state/command-error.js";

export const MAX_REASON_BYTES = 4096;

/** `text`, refused INVALID_VALUE on `field` past MAX_REASON_BYTES. */
export function boundedReason(text: string, field: string): string {
  // Cheap first: a string of n UTF-16 units takes at most 3n bytes.
  if (text.length * 3 <= MAX_REASON_BYTES) return text;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_REASON_BYTES) invalid(field, `takes ${bytes} bytes, more than ${MAX_REASON_BYTES}`);
  return text;
}
