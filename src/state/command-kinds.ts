/**
 * Every command kind this build runs, at each level a journal record names one: a record
 * naming another (a newer version's command, read after a downgrade; a foreign record)
 * decodes as plain data but would run as nothing at all, so the codec refuses it and
 * recovery stops naming the record, instead of dropping a command that was acknowledged.
 * The `satisfies` clauses make the compiler keep these lists equal to the types.
 */
import type { AdminCommand, ChannelCommand, Command } from "./commands.js";

const COMMAND: Record<Command["kind"], true> = {
  openChannel: true,
  closeChannel: true,
  channel: true,
  feed: true,
  expireReservations: true,
  admin: true,
  denial: true,
  operation: true,
  settings: true,
  accountListPart: true,
  quoteTtlPart: true,
  served: true,
  writer: true,
} satisfies Record<Command["kind"], true>;

const CHANNEL_COMMAND: Record<ChannelCommand["kind"], true> = {
  bind: true,
  release: true,
  start: true,
  executeRequest: true,
  discardRequest: true,
  execute: true,
  startDryRun: true,
  executeDryRun: true,
  dropCopy: true,
  commit: true,
  rollback: true,
  report: true,
  adjust: true,
} satisfies Record<ChannelCommand["kind"], true>;

const ADMIN_COMMAND: Record<AdminCommand["kind"], true> = {
  blockAccount: true,
  unblockAccount: true,
  replaceAccountBlockReason: true,
  blockGroup: true,
  unblockGroup: true,
  replaceGroupBlockReason: true,
  registerGroup: true,
  unregisterGroup: true,
  setAccountCurrency: true,
  setGroupCurrency: true,
  retireAccount: true,
  configurePolicy: true,
  setPnlAccumulator: true,
  setSpotFundsAccountPnl: true,
  registerInstrument: true,
  pushQuote: true,
  setTradingState: true,
  applyAccountEntries: true,
} satisfies Record<AdminCommand["kind"], true>;

const known = (table: Record<string, true>, kind: unknown): boolean => typeof kind === "string" && Object.hasOwn(table, kind);

/** `c` as decoded from a record's plain data, if this build knows its kind (and its admin command's). */
export function knownCommand(c: { kind?: unknown; command?: { kind?: unknown } }): boolean {
  if (!known(COMMAND, c.kind)) return false;
  return c.kind !== "admin" || known(ADMIN_COMMAND, c.command?.kind);
}

export function knownChannelCommand(c: { kind?: unknown }): boolean {
  return known(CHANNEL_COMMAND, c.kind);
}
