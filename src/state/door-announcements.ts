/**
 * What the running command tells monitors and channels: events are numbered as they happen
 * and leave once the command is durable (the door's outbox); a replay numbers its events but
 * announces nothing again.
 */
import type { AccountId } from "../param/index.js";
import type { EngineEvent } from "../engine/index.js";
import type { AccountBlock, BlockedBy, ControlScope } from "../model/index.js";
import type { ChannelState } from "./channel-state.js";
import type { RollbackReason, SequencedEvent, SidecarEvent } from "./event-hub.js";
import { blockedScope, cancelWorkingOrders } from "./kill-switch-notices.js";
import type { ChannelNotice } from "./results.js";
import type { DoorInternals } from "./door-internals.js";

/** Monitors hear of a change once it is durable; a replay numbers its events but announces nothing again. */
export function announce(door: DoorInternals, event: SidecarEvent, actor = door.actingAs): void {
  const sequenced = door.events.number(event, actor);
  if (door.replaying) {
    replayedEvent(door, sequenced);
    return;
  }
  door.eventOutbox.push(() => door.events.deliver(sequenced));
}

/**
 * An event a replay numbered: durable (its record is), so kept for monitors that resume; a
 * standby following the journal also tells its monitors (EventHub.relay). True if it did.
 */
export function replayedEvent(door: DoorInternals, sequenced: SequencedEvent): boolean {
  if (door.relaying) door.events.relay(sequenced);
  else door.events.replayed(sequenced);
  return door.relaying;
}

/**
 * Cancel on disconnect: monitors (a gateway's peer) learn what a closed channel left open
 * and why it closed, so they can cancel those orders at the venue.
 */
export function announceRollbacks(door: DoorInternals, channelId: bigint, byAccount: ReadonlyMap<AccountId, readonly bigint[]>, reason: RollbackReason): void {
  for (const [accountId, reservationIds] of byAccount) {
    announce(door, { kind: "reservationsRolledBack", accountId, reservationIds, reason, channelId });
  }
}

export function notifyChannel(door: DoorInternals, channel: ChannelState, notice: ChannelNotice, rolledBack?: ReadonlyMap<AccountId, readonly bigint[]>): void {
  // Monitors hear of rollbacks the channel did not ask for (found by review: a takeover's
  // and an expiry's were told to the channel only); numbered in a replay too.
  if (rolledBack && (notice.kind === "fenced" || notice.kind === "expired")) announceRollbacks(door, channel.channelId, rolledBack, notice.kind);
  if (door.replaying) return;
  if (notice.kind === "fenced") {
    const { channelId, owner } = channel;
    door.observer?.channelFenced({ channelId, owner, accountIds: notice.accountIds, rolledBack: notice.rolledBack.length, abandoned: notice.abandoned.length });
  } else if (notice.kind === "expired") {
    door.observer?.reservationsExpired({ channelId: channel.channelId, owner: channel.owner, rolledBack: notice.reservationIds.length });
  }
  const listener = door.onNotice;
  if (listener) door.outbox.push(() => listener(channel.channelId, notice));
}

/**
 * Every engine event goes to monitors; a block (kill switch) also tells the channels
 * holding its accounts to cancel their working orders, in the same turn.
 */
export function onEngineEvent(door: DoorInternals, event: EngineEvent): void {
  announce(door, event);
  const blocked = blockedScope(event);
  if (blocked) sendCancelNotices(door, blocked.scope, blocked.block, door.operatorBlocking ? "operator" : "policy");
}

/**
 * Runs in a replay too, so that its event is numbered as it was live; `notify` sends nothing then.
 * `only`: of a group's accounts, those this block reaches (accounts joining a blocked group).
 */
export function sendCancelNotices(door: DoorInternals, scope: ControlScope, block: AccountBlock, blockedBy: BlockedBy, only?: (accountId: AccountId) => boolean): void {
  const admin = door.engine.accounts();
  const groupOf = only === undefined ? (a: AccountId) => admin.groupOf(a) : (a: AccountId) => (only(a) ? admin.groupOf(a) : undefined);
  const { notices, event } = cancelWorkingOrders(scope, block, blockedBy, door.live.values(), groupOf);
  for (const [channel, notice] of notices) notifyChannel(door, channel, notice);
  announce(door, event);
}
