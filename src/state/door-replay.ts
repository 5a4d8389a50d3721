/** The door in recovery and on a standby: journaled commands run again exactly as they ran live, then the door resumes. */
import { decodeCommand } from "./command-codec.js";
import { executeCommand } from "./command-execution.js";
import type { DoorInternals } from "./door-internals.js";
import { ForeignRecordsError, sameWriter } from "./journal-writer.js";

/**
 * A standby applying the shared journal as it is written (journal-replica.ts): a replay
 * whose events reach this instance's monitors (EventHub.relay), so a monitor may follow
 * the deployment from a standby, and keeps its stream across the takeover.
 */
export function followCommand(door: DoorInternals, payload: Uint8Array): unknown {
  door.relaying = true;
  try {
    return replayCommand(door, payload);
  } finally {
    door.relaying = false;
  }
}

/** Recovery: runs a journaled command again, exactly as it ran live; returns its result (or error). */
export function replayCommand(door: DoorInternals, payload: Uint8Array): unknown {
  const command = decodeCommand(payload);
  // Outside the try below: a record of another build is not a command that failed live, it
  // stops the replay (recovery names its file, offset and sequence; a standby stops following).
  if (command.kind !== "writer" && !sameWriter(door.recordsWriter, door.writer)) throw new ForeignRecordsError(door.recordsWriter, door.writer);
  door.replaying = true;
  try {
    door.lastTs = command.ts;
    door.clock.set(command.ts);
    try {
      return executeCommand(door, command, undefined);
    } catch (e) {
      // A command that failed live (an operator's bad request) fails again here: no effect.
      return e;
    } finally {
      door.outbox.length = 0;
      door.eventOutbox.length = 0;
    }
  } finally {
    door.replaying = false;
  }
}

/**
 * After a replay: time resumes from the last command's even if this machine's clock is
 * behind it (so windows and TTLs keep moving), and rollbacks a previous recovery made but
 * never got to announce (it crashed before serving) are announced now. They stay listed
 * until this start's `served` record: a snapshot taken before it carries them.
 */
export function resumeAfterReplay(door: DoorInternals): void {
  const behind = door.lastTs - door.timeSource.nowMs();
  if (behind > 0 && door.timeSource.atLeast !== undefined) door.timeSource.atLeast(door.lastTs);
  else door.timeOffset = Math.max(0, behind);
  for (const sequenced of door.unannounced) door.events.deliver(sequenced, true, door.relayedUnannounced.has(sequenced.sequence));
  door.relayedUnannounced.clear();
}

/**
 * Channels do not outlive the process: after a replay, every channel the crash left open
 * is closed as a journaled command (its reservations rolled back), and announced.
 */
export function closeRecoveredChannels(door: DoorInternals): number {
  let count = 0;
  for (const id of [...door.live.keys()]) {
    door.closeChannel(id, "recovery");
    count++;
  }
  return count;
}
