/**
 * How an error quotes a value a request sent: never whole when long. An error's message goes
 * back to the caller (in an answer, or as a gRPC status's `grpc-message` trailer, which
 * grpc-js sends at any length) and into the logs and the audit trail (docs/security.md).
 */

/** The most of a refused text an error quotes (an answer may carry thousands of errors). */
export const QUOTED_CHARS = 64;

/** `text` in quotes for an error: whole up to QUOTED_CHARS, else its start and its length. */
export function quoted(text: string): string {
  if (text.length <= QUOTED_CHARS) return `'${text}'`;
  const high = text.charCodeAt(QUOTED_CHARS - 1);
  const cut = high >= 0xd800 && high <= 0xdbff ? QUOTED_CHARS - 1 : QUOTED_CHARS; // never half a surrogate pair
  return `'${text.slice(0, cut)}…' (${text.length} characters)`;
}
