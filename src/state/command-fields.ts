/** The wire's field paths of a channel's commands, as errors name them. */
import type { ChannelCommand } from "./commands.js";

/** Error paths name the wire's fields, so a client sees where its message went wrong. */
const WIRE_NAME: Record<ChannelCommand["kind"], string> = {
  bind: "bind_accounts",
  release: "release_accounts",
  start: "start_pre_trade",
  executeRequest: "execute_request",
  discardRequest: "discard_request",
  execute: "execute_pre_trade",
  startDryRun: "start_pre_trade_dry_run",
  executeDryRun: "execute_pre_trade_dry_run",
  dropCopy: "execute_pre_trade_drop_copy",
  commit: "commit_reservation",
  rollback: "rollback_reservation",
  report: "apply_execution_report",
  adjust: "apply_account_adjustment",
};

/**
 * Field paths (`commands[0].execute_pre_trade`) are named in errors, and in the handle
 * commands' lookups, which take them eagerly: kept per path (bounded by the message size
 * limit times the command kinds) rather than built again for each command. The order
 * path never builds one unless it fails: it carries the command's `base` and kind instead,
 * and only an error pays for its name (three Map lookups per order fewer, which measured as
 * no cost either way: docs/performance.md, "Session 22").
 */
const fieldNames = new Map<string, Map<ChannelCommand["kind"], string>>();

export function fieldOf(base: string, kind: ChannelCommand["kind"]): string {
  let byKind = fieldNames.get(base);
  if (!byKind) fieldNames.set(base, (byKind = new Map()));
  let name = byKind.get(kind);
  if (name === undefined) byKind.set(kind, (name = `${base}.${WIRE_NAME[kind]}`));
  return name;
}
