/**
 * A safe retry must be the command first sent with the id, not only its order (found by review,
 * after session 34's fingerprint): a start retry of an id an execute decided got the execute's
 * answer (an ExecuteResult to a start_pre_trade; a drop copy's a DropCopyResult), and an
 * execute retry asking commit_on_accept got the first's open reservation (or the reverse), so
 * the gateway believed something about the reservation that was not true.
 *
 * The command is kept with the id's decision as one small number per id (a column of
 * KnownIds: nothing allocated per order): 0 unknown (no decision kept, or restored from a
 * snapshot made before this check: the retry is answered as before), else the command and
 * whether it asked for a commit on accept. Snapshots list it as plain data, `command` (the
 * wire name) and `commitOnAccept`, so a restore and a replay reproduce it bit for bit; it is a
 * field of its own, not part of the order's fingerprint, so a fingerprint of an older snapshot
 * still compares.
 */

/**
 * The command an id's first decision answered, by its wire name: a two-stage request
 * (`start_pre_trade`, decided by its `execute_request`; it leaves its reservation open, so
 * its commit on accept is false), an `execute_pre_trade` or an `execute_pre_trade_drop_copy`.
 */
export type RetryCommand = "start_pre_trade" | "execute_pre_trade" | "execute_pre_trade_drop_copy";

const COMMANDS: readonly RetryCommand[] = ["start_pre_trade", "execute_pre_trade", "execute_pre_trade_drop_copy"];

/** The column's code of a command (never 0: that is "unknown"). */
export function commandCode(command: RetryCommand, commitOnAccept: boolean): number {
  return 1 + COMMANDS.indexOf(command) * 2 + (commitOnAccept ? 1 : 0);
}

/** A code's command as snapshot data, or undefined for 0 (unknown). */
export function commandOfCode(code: number): { command: RetryCommand; commitOnAccept: boolean } | undefined {
  if (code === 0) return undefined;
  return { command: COMMANDS[(code - 1) >> 1]!, commitOnAccept: ((code - 1) & 1) === 1 };
}

/**
 * A snapshot entry's `command` and `commitOnAccept` as a code (0 when both are absent: a
 * snapshot made before this check), or a message saying why they are malformed.
 */
export function codeOfSnapshot(command: unknown, commitOnAccept: unknown): number | string {
  if (command === undefined && commitOnAccept === undefined) return 0;
  if (typeof command !== "string" || !(COMMANDS as readonly string[]).includes(command)) return `known id's command must be one of ${COMMANDS.join(", ")}`;
  if (typeof commitOnAccept !== "boolean") return "known id's commitOnAccept must be a boolean";
  return commandCode(command as RetryCommand, commitOnAccept);
}

/**
 * Where the retry's command differs from the first's (stored `first` code): `command` or
 * `commit_on_accept` with both values, or undefined when it is the same command — or when
 * the first is unknown (0).
 */
export function commandDifference(first: number, command: RetryCommand, commitOnAccept: boolean): { field: string; first: string; retried: string } | undefined {
  if (first === 0) return undefined;
  const was = commandOfCode(first)!;
  if (was.command !== command) return { field: "command", first: was.command, retried: command };
  if (was.commitOnAccept !== commitOnAccept) return { field: "commit_on_accept", first: String(was.commitOnAccept), retried: String(commitOnAccept) };
  return undefined;
}
