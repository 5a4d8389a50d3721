/**
 * What the door's channel life cycle says in the log: a channel closed (disconnect,
 * shutdown, recovery) with what it left open rolled back, and a fence (another channel took
 * accounts over) with what was dropped. One line per channel event, never per order.
 */
import type { ClosedChannel, ExpiredReservations, FencedChannel } from "../../state/door-observer.js";
import type { ChannelLifecycleListener } from "../metrics/door-counters.js";
import type { SidecarLogger } from "./sidecar-log.js";

/** Fenced accounts named in one line at most; the count is always there. */
const MAX_NAMED_ACCOUNTS = 20;

export function doorLog(log: SidecarLogger): ChannelLifecycleListener {
  return {
    channelClosed(c: ClosedChannel) {
      log.info(
        { event: "channel_closed", channelId: String(c.channelId), owner: c.owner, reason: c.reason, rolledBack: c.rolledBack, abandoned: c.abandoned, unpinned: c.unpinned },
        `channel ${c.channelId} closed (${c.reason}): ${c.rolledBack} reservations rolled back, ${c.abandoned} requests abandoned, ${c.unpinned} accounts unpinned`,
      );
    },
    channelFenced(f: FencedChannel) {
      log.warn(
        {
          event: "channel_fenced",
          channelId: String(f.channelId),
          owner: f.owner,
          accounts: f.accountIds.length,
          accountIds: f.accountIds.slice(0, MAX_NAMED_ACCOUNTS).map(String),
          rolledBack: f.rolledBack,
          abandoned: f.abandoned,
        },
        `channel ${f.channelId} fenced off ${f.accountIds.length} accounts taken over by another channel: ${f.rolledBack} reservations rolled back, ${f.abandoned} requests abandoned`,
      );
    },
    reservationsExpired(e: ExpiredReservations) {
      log.info(
        { event: "reservations_expired", channelId: String(e.channelId), owner: e.owner, rolledBack: e.rolledBack },
        `channel ${e.channelId}: ${e.rolledBack} reservations outlived limits.reservationTtlMs and were rolled back`,
      );
    },
  };
}
