/**
 * Which sidecar issued each open handle (a two-stage request id, an uncommitted
 * reservation id), for a client that talks to several sidecars at once
 * (`OwnerFollowingChannel`). Handles belong to the channel that issued them, and every
 * channel numbers its own from 1, so the same id can be open on two sidecars: a command
 * naming such an id cannot be routed and is refused on the client (`AmbiguousHandleError`)
 * rather than risk finishing another account's reservation.
 */
import type { CommandResult, OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import type { CommandInit } from "./account-channel.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";

/** A command naming a handle that is open on more than one sidecar: nothing was sent. */
export class AmbiguousHandleError extends Error {
  override name = "AmbiguousHandleError";
  constructor(
    readonly handle: bigint,
    readonly addresses: readonly string[],
  ) {
    super(`handle ${handle} is open on ${addresses.join(" and ")}: send it to the one that issued it (OwnerFollowingChannel.sendAt)`);
  }
}

/** The handle a command finishes or uses, if any. */
export function handleNamedBy(command: CommandInit): bigint | undefined {
  switch (command?.case) {
    case "executeRequest":
    case "discardRequest":
      return command.value.requestId;
    case "commitReservation":
    case "rollbackReservation":
      return command.value.reservationId;
    default:
      return undefined;
  }
}

/**
 * The handle a result opens: an accepted start's request, an accepted, uncommitted
 * reservation, an uncommitted drop copy's reservation (found by review: not booked, its
 * commit went to wherever the channel talked then, where the same id named another order).
 */
function handleOpenedBy(result: CommandResult): bigint | undefined {
  const r = result.result;
  if (r.case === "start" && r.value.accepted) return r.value.requestId;
  if (r.case === "execute" && r.value.accepted && !r.value.committed) return r.value.reservationId;
  if (r.case === "dropCopy" && !r.value.failed && !r.value.committed && r.value.reservationId !== 0n) return r.value.reservationId;
  return undefined;
}

function handleGone(result: CommandResult): boolean {
  const r = result.result;
  return r.case !== "error" || r.value.code === ErrorCode.UNKNOWN_HANDLE || r.value.code === ErrorCode.HANDLE_CONSUMED;
}

export class HandleOwners {
  private readonly open = new Map<string, Set<bigint>>();

  /** Where a command naming `handle` must go: the one sidecar holding it, or undefined if none is known. */
  addressOf(handle: bigint): string | undefined {
    const at = [...this.open].filter(([, handles]) => handles.has(handle)).map(([address]) => address);
    if (at.length > 1) throw new AmbiguousHandleError(handle, at);
    return at[0];
  }

  /** Books what `address` answered to `commands`: handles opened, and handles the commands used up. */
  record(address: string, commands: readonly CommandInit[], results: readonly CommandResult[]): void {
    let handles = this.open.get(address);
    commands.forEach((command, i) => {
      const used = handleNamedBy(command);
      // Used up only if it ran (or the sidecar no longer knows it): a command refused before it
      // ran (RESOURCE_EXHAUSTED, NOT_OWNER, PERMISSION_DENIED, SHUTTING_DOWN...) left it open.
      if (used !== undefined && handleGone(results[i]!)) handles?.delete(used);
      const opened = handleOpenedBy(results[i]!);
      if (opened === undefined) return;
      if (handles === undefined) this.open.set(address, (handles = new Set()));
      handles.add(opened);
    });
  }

  /**
   * A notice from `address` that ended handles: HandlesExpired (the TTL), or AccountsFenced
   * (another channel took the accounts over; their reservations were rolled back and their
   * requests abandoned). Found by review: fenced handles stayed booked, so an id another
   * sidecar issued later was refused as ambiguous.
   */
  noticed(address: string, notice: OpenResponse): void {
    const n = notice.notice?.notice;
    if (n?.case === "handlesExpired") this.ended(address, n.value.reservationIds);
    if (n?.case === "accountsFenced") this.ended(address, [...n.value.rolledBackReservationIds, ...n.value.abandonedRequestIds]);
  }

  private ended(address: string, handles: readonly bigint[]): void {
    for (const h of handles) this.open.get(address)?.delete(h);
  }

  /** The channel to `address` is gone: so are its handles (the sidecar rolled them back). */
  forget(address: string): void {
    this.open.delete(address);
  }
}
