/**
 * A command that cannot run as sent or in the current state (malformed field, unknown
 * handle, account pinned elsewhere, capacity): a per-command error, never a business reject.
 */
import { PolicyCallbackError } from "../engine/errors.js";

/** Stable codes; the wire's `ErrorCode` enum carries the same names. */
export type CommandErrorCode =
  | "MISSING_FIELD"
  | "INVALID_VALUE"
  | "UNKNOWN_ENUM"
  | "UNKNOWN_HANDLE"
  | "FOREIGN_HANDLE"
  | "HANDLE_CONSUMED"
  | "WRONG_HANDLE_KIND"
  | "ACCOUNT_PINNED_ELSEWHERE"
  | "RESOURCE_EXHAUSTED"
  | "BATCH_TOO_LARGE"
  | "UNKNOWN_NAME"
  | "SHUTTING_DOWN"
  | "FAILED_PRECONDITION"
  | "INTERNAL"
  | "UNAVAILABLE"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "NOT_OWNER"
  | "ABORTED";

export class CommandError extends Error {
  override name = "CommandError";
  constructor(
    readonly code: CommandErrorCode,
    /** The offending field's path, e.g. `commands[2].execute_pre_trade.order.price`. */
    readonly field: string,
    message: string,
    /** NOT_OWNER: the advertised address of the shard's current owner ("" when none is known). */
    readonly ownerAddress = "",
  ) {
    super(message);
  }
}

/**
 * The most of a per-command error's message an answer carries. A message may quote what
 * the request sent (a malformed price), and one answer holds up to maxCommandsPerMessage
 * results: unbounded, 4096 errors quoting 961-character prices drew an answer over the
 * client's 4 MiB receive limit, which ended the gateway's channel and rolled back its
 * reservations (found by review). 4096 × 512 stays far under it.
 */
export const MAX_ERROR_MESSAGE_CHARS = 512;

/** `message` as an answer carries it: cut at MAX_ERROR_MESSAGE_CHARS, saying so (never inside a surrogate pair). */
export function boundedMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_CHARS) return message;
  const tail = `… (${message.length} characters in all)`;
  let cut = MAX_ERROR_MESSAGE_CHARS - tail.length;
  const code = message.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return message.slice(0, cut) + tail;
}

export function missing(field: string): never {
  throw new CommandError("MISSING_FIELD", field, `${field} is required`);
}

export function invalid(field: string, message: string): never {
  throw new CommandError("INVALID_VALUE", field, `${field}: ${message}`);
}

export function unknownEnum(field: string, value: number): never {
  throw new CommandError("UNKNOWN_ENUM", field, `${field}: unknown enum value ${value}`);
}

/** A command naming an account that a strict account list (`accounts.strict`) does not name. */
export function unconfiguredAccount(field: string): CommandError {
  return new CommandError("UNKNOWN_NAME", field, `${field}: account is not configured on this sidecar`);
}

/** A policy or engine failure as the per-command error a client sees; the stream stays up. */
export function internalError(field: string, e: unknown): CommandError {
  const message = e instanceof PolicyCallbackError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
  return new CommandError("INTERNAL", field, message);
}
