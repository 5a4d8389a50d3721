/** What each journaled command does (the door's `execute`): the one place a command changes state. */
import { ChannelState } from "./channel-state.js";
import { LOCAL_PRINCIPAL_NAME, type Command } from "./commands.js";
import { CommandError, internalError } from "./command-error.js";
import type { RollbackReason } from "./event-hub.js";
import type { ChannelResult, ReportResult } from "./results.js";
import { channelClosingCause, closedByPolicyRefusal, type ChannelClosingCause } from "./channel-closing.js";
import type { ClosedChannel } from "./door-observer.js";
import type { RecoveryRollbackEvent } from "./state-snapshot.js";
import { announce, announceRollbacks, notifyChannel, replayedEvent } from "./door-announcements.js";
import { runAuditedAdmin } from "./audited-admin.js";
import { useSettings } from "./door-settings.js";
import { collectListPart, collectQuoteTtlPart, settingsOfRecord } from "./settings-parts.js";
import type { DoorInternals } from "./door-internals.js";

/**
 * Why a channel ended: its connection was lost (keepalive, transport error, cancelled), its
 * client ended the stream, shutdown, or recovery. "disconnect" is how journals written
 * before the distinction name the first two (announced as lost).
 */
export type CloseReason = "lost" | "ended" | "disconnect" | "shutdown" | "recovery";

const ROLLBACK_REASON: Record<Exclude<CloseReason, "recovery">, RollbackReason> = {
  lost: "connectionLost",
  disconnect: "connectionLost",
  ended: "clientEnded",
  shutdown: "shutdown",
};

/** Runs one command against the engine, market data and channels: live and in a replay alike. */
export function executeCommand(door: DoorInternals, c: Command, bases: readonly string[] | undefined): unknown {
  switch (c.kind) {
    case "openChannel": {
      const channel = new ChannelState(door.nextChannelId++, door, c.owner ?? LOCAL_PRINCIPAL_NAME);
      door.live.set(channel.channelId, channel);
      return channel;
    }
    case "closeChannel": {
      const channel = door.live.get(c.channel);
      if (!channel) return undefined;
      const dropped = dropLive(door, channel, c.reason);
      if (c.reason === "recovery") {
        for (const [accountId, reservationIds] of dropped.byAccount) {
          const event: RecoveryRollbackEvent = { kind: "reservationsRolledBack", accountId, reservationIds, reason: "recovery" };
          // Retained: recovery's rollbacks happen before any monitor can subscribe. Listed
          // until a `served` record, live or replayed: a replay announces them unless a later
          // `served` says they already were, and a snapshot taken before it carries them.
          const sequenced = door.events.number(event);
          door.unannounced.push(sequenced);
          if (!door.replaying) door.eventOutbox.push(() => door.events.deliver(sequenced, true));
          else if (replayedEvent(door, sequenced)) door.relayedUnannounced.add(sequenced.sequence);
        }
      } else {
        announceRollbacks(door, c.channel, dropped.byAccount, ROLLBACK_REASON[c.reason]);
      }
      return undefined;
    }
    case "channel": {
      const channel = door.live.get(c.channel);
      if (!channel) throw new CommandError("INTERNAL", "", `channel ${c.channel} is not open`);
      const out = new Array<ChannelResult>(c.commands.length);
      const observer = door.replaying ? undefined : door.observer;
      // Timed: one clock reading per command plus one (a command ends where the next starts).
      const timed = observer !== undefined && observer.timeCommands();
      let started = timed ? observer.now() : 0;
      let closing: ChannelClosingCause | undefined;
      let i = 0;
      for (; i < c.commands.length; i++) {
        const command = c.commands[i]!;
        const result = (out[i] = channel.run(command, bases?.[i] ?? `commands[${i}]`));
        if (observer !== undefined) {
          if (timed) {
            const ended = observer.now();
            observer.channelCommand(command.kind, result, ended - started);
            started = ended;
          } else observer.channelCommand(command.kind, result, -1);
        }
        // Checked as each result comes: the channel is closed from here. Found by review
        // (session 34): checked once the whole message had run, the commands after the
        // closing one ran on the channel being closed — an order of another account
        // accepted and committed, an uncommitted one answered "accepted, reservation R"
        // after the ChannelClosing notice had listed R as rolled back — while the same
        // commands in a later slice of a big message were refused: the outcome depended on
        // where the slice boundary fell. Decided here, journaled with the message: a
        // replay stops at the same command (REPLAY_RULES 2).
        closing = channelClosingCause(command, result);
        if (closing !== undefined) break;
      }
      if (closing !== undefined) {
        // The rest of the message is refused as a later slice's or message's is (not run).
        for (i++; i < c.commands.length; i++) out[i] = closedByPolicyRefusal();
        // Closed as on a disconnect (reservations rolled back, accounts unpinned), told first.
        const dropped = dropLive(door, channel, "policy");
        notifyChannel(door, channel, { kind: "closing", ...closing, rolledBack: dropped.rolledBack });
        announceRollbacks(door, c.channel, dropped.byAccount, "closedByPolicy");
      }
      return out;
    }
    case "feed": {
      const observer = door.replaying ? undefined : door.observer;
      const timed = observer !== undefined && observer.timeCommands();
      // Filled by index (a `map` made a closure per message).
      const out = new Array<ReportResult>(c.reports.length);
      for (let i = 0; i < c.reports.length; i++) {
        const started = timed ? observer.now() : 0;
        let result: ReportResult;
        try {
          result = { kind: "postTrade", result: door.applyExecutionReport(c.reports[i]!) };
        } catch (e) {
          result = { kind: "error", error: internalError(bases?.[i] ?? `reports[${i}]`, e) };
        }
        observer?.feedReport(result, timed ? observer.now() - started : -1);
        out[i] = result;
      }
      return out;
    }
    case "expireReservations":
      for (const channel of door.live.values()) channel.expire(c.ts);
      return undefined;
    case "admin":
      return runAuditedAdmin(door, c.command, c.actor ?? LOCAL_PRINCIPAL_NAME, c.ts);
    case "denial": {
      const record = door.audit.appendDenial(c, c.ts);
      announce(door, { kind: "auditRecorded", record }, c.actor);
      return record;
    }
    case "operation": {
      const record = door.audit.appendOperation(c, c.ts);
      announce(door, { kind: "auditRecorded", record }, c.actor);
      return record;
    }
    case "settings":
      useSettings(door, settingsOfRecord(door, c));
      return undefined;
    case "accountListPart":
      collectListPart(door, c);
      return undefined;
    case "quoteTtlPart":
      collectQuoteTtlPart(door, c);
      return undefined;
    case "served":
      door.unannounced.length = 0;
      door.relayedUnannounced.clear();
      return undefined;
    case "writer":
      door.recordsWriter = { version: c.version, rules: c.rules };
      return undefined;
  }
}

/** Takes a live channel out: what it left open is dropped (reservations rolled back, accounts unpinned), the observer told. */
function dropLive(door: DoorInternals, channel: ChannelState, reason: ClosedChannel["reason"]): ReturnType<ChannelState["close"]> {
  door.live.delete(channel.channelId);
  const unpinned = channel.pinnedAccounts;
  const dropped = channel.close();
  if (!door.replaying) {
    door.observer?.channelClosed({
      channelId: channel.channelId,
      owner: channel.owner,
      reason,
      rolledBack: dropped.rolledBack.length,
      abandoned: dropped.abandoned.length,
      unpinned,
    });
  }
  return dropped;
}
