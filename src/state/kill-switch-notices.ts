/**
 * Kill switch that cancels: when an account, a group or everything is blocked, every
 * channel holding affected accounts is told to cancel their working orders at the venue,
 * and monitors hear which accounts and channels were told. Runs inside the command that
 * blocked, so the notice leaves in the same turn as the block (after it is durable).
 */
import type { AccountGroupId, AccountId } from "../param/ids.js";
import type { AccountBlock, BlockedBy, ControlScope } from "../model/index.js";
import type { EngineEvent } from "../engine/index.js";
import type { ChannelState } from "./channel-state.js";
import type { SidecarEvent } from "./event-hub.js";
import type { ChannelNotice } from "./results.js";

/** What a block event blocks, with its block; undefined for events that block nothing. */
export function blockedScope(event: EngineEvent): { scope: ControlScope; block: AccountBlock } | undefined {
  switch (event.kind) {
    case "accountBlocked":
      return { scope: { kind: "account", accountId: event.accountId }, block: event.block };
    case "groupBlocked":
      return { scope: { kind: "group", group: event.group }, block: event.block };
    case "globalBlocked":
      return { scope: { kind: "global" }, block: event.block };
    default:
      return undefined;
  }
}

/**
 * The notices to send (one per channel holding affected accounts, naming them) and the
 * event for monitors. Channels are visited in id order so a replay or a test sees the same.
 */
export function cancelWorkingOrders(
  scope: ControlScope,
  block: AccountBlock,
  blockedBy: BlockedBy,
  channels: Iterable<ChannelState>,
  groupOf: (accountId: AccountId) => AccountGroupId | undefined,
): { notices: [ChannelState, ChannelNotice][]; event: SidecarEvent } {
  const notices: [ChannelState, ChannelNotice][] = [];
  // Each account once, in the order channels were told: in fullSync several channels may
  // hold one account, and monitors count the accounts the switch reached.
  const all = new Set<AccountId>();
  const sorted = [...channels].sort((a, b) => (a.channelId < b.channelId ? -1 : a.channelId > b.channelId ? 1 : 0));
  for (const channel of sorted) {
    const accountIds = affected(scope, channel, groupOf);
    if (accountIds.length === 0) continue;
    notices.push([channel, { kind: "cancelWorkingOrders", accountIds, blockedBy, block }]);
    for (const a of accountIds) all.add(a);
  }
  const event: SidecarEvent = {
    kind: "cancelWorkingOrdersSent",
    scope,
    accountIds: [...all],
    channelIds: notices.map(([c]) => c.channelId),
    blockedBy,
    block,
  };
  return { notices, event };
}

function affected(scope: ControlScope, channel: ChannelState, groupOf: (accountId: AccountId) => AccountGroupId | undefined): AccountId[] {
  switch (scope.kind) {
    case "account":
      return channel.holds(scope.accountId) ? [scope.accountId] : [];
    case "group":
      return channel.heldAccounts().filter((a) => groupOf(a) === scope.group);
    case "global":
      return channel.heldAccounts();
  }
}
