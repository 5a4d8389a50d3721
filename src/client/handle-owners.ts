/**
 * Which sidecar issued each open handle (a two-stage request id, an uncommitted
 * reservation id), for a client that talks to several sidecars at once
 * (`OwnerFollowingChannel`). Handles belong to the channel that issued them, and every
 * channel numbers its own from 1, so the same id can be open on two sidecars: a command
 * naming such an id cannot be routed and is refused on the client (`AmbiguousHandleError`)
 * rather than risk finishing another account's reservation; so is one whose copy ended on
 * one of them while it was open on the other (`HandleOwners`).
 */
import type { CommandResult, OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import type { CommandInit } from "./account-channel.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";

/**
 * A command naming a handle the client cannot route to one sidecar: nothing was sent.
 * `addresses`: where the id is open now; `ended`: where a copy of it ended (expired, fenced,
 * released, channel lost) while another was open, so a late command on that copy may still come.
 */
export class AmbiguousHandleError extends Error {
  override name = "AmbiguousHandleError";
  constructor(
    readonly handle: bigint,
    readonly addresses: readonly string[],
    readonly ended: readonly string[] = [],
  ) {
    super(
      ended.length === 0
        ? `handle ${handle} is open on ${addresses.join(" and ")}: send it to the one that issued it (OwnerFollowingChannel.sendAt)`
        : `handle ${handle} is open on ${addresses.join(" and ")} and was open on ${ended.join(" and ")} too, where it ended: ` +
            `a command on it may mean either, send it to the one that issued it (OwnerFollowingChannel.sendAt; ` +
            `where it ended, the answer UNKNOWN_HANDLE or FOREIGN_HANDLE leaves the id to the others)`,
    );
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

/**
 * The command's handle is gone at the address that answered: it ran, or the sidecar's answer
 * says the channel it went on does not hold it (UNKNOWN_HANDLE, HANDLE_CONSUMED, FOREIGN_HANDLE).
 *
 * FOREIGN_HANDLE ("belongs to another channel") counts too (found by review: after a lost
 * channel, `sendAt` to that sidecar goes on a new channel there, handle ids carry the id of the
 * channel that issued them, so the sidecar answers FOREIGN_HANDLE; not counted, the copy that
 * ended with the old channel could never be settled, and the id stayed ambiguous for good).
 * It can only answer a copy that already ended, never drop an open one: an open copy at an
 * address is always one the address's current channel issued. Open copies are booked only from
 * the answers of a channel still usable (`sendTo`; an unusable one's are booked as ended), a
 * channel is replaced only once it is not (`channelAt`), and replacing it, or hearing that it
 * broke, ended or was closed, ends all of its copies first (`forget`). A command on a copy the current channel issued names that
 * channel's id, which the sidecar never answers FOREIGN_HANDLE (it runs it, or says
 * UNKNOWN_HANDLE / HANDLE_CONSUMED). So FOREIGN_HANDLE means the id is another channel's at
 * that sidecar: a channel of this client that is gone (its copy ended, as settled here), or
 * one this client never had there (no copy at that address: nothing to settle).
 */
function handleGone(result: CommandResult): boolean {
  const r = result.result;
  return r.case !== "error" || r.value.code === ErrorCode.UNKNOWN_HANDLE || r.value.code === ErrorCode.HANDLE_CONSUMED || r.value.code === ErrorCode.FOREIGN_HANDLE;
}

/**
 * The account whose order a command puts through (the account of the handle it opens), if it
 * opens one from an order.
 */
function orderAccountOf(command: CommandInit): bigint | undefined {
  switch (command?.case) {
    case "startPreTrade":
    case "executePreTrade":
    case "executePreTradeDropCopy":
      return command.value.order?.accountId ?? 0n;
    default:
      return undefined;
  }
}

/** One sidecar's copy of an id: open there, or ended there while another copy was open. */
interface Copy {
  readonly address: string;
  /** The account it is for (a released account's handles end), if known. */
  readonly account: bigint | undefined;
  open: boolean;
}

/**
 * Found by review: a copy that ended on its own (TTL, fencing, channel lost; a release of
 * its account is treated alike: a command on it may have been on its way) was unbooked
 * outright, so an id open on A and B, refused as ambiguous, went to B as soon as A's copy
 * ended, and the gateway's late commit of A's reservation committed B's (where, with one
 * sidecar, it is refused and changes nothing). So every copy of an id the gateway may still
 * hold counts: the open ones, and one that ended on its own while another was open (the
 * gateway may not know yet, and its commands on it may be on their way). A command is routed
 * only if exactly one copy counts. A copy leaves when a command on it answered at its address
 * (ran, or UNKNOWN_HANDLE / HANDLE_CONSUMED / FOREIGN_HANDLE: `sendAt` to the sidecar where it
 * ended settles it), and an id leaves when none of its copies is open. An id issued after the others ended
 * is the issuer's alone: that a handle ended is the gateway's to hear (notices, the channel),
 * as with one sidecar.
 */
export class HandleOwners {
  private readonly copies = new Map<bigint, Copy[]>();

  /** Where a command naming `handle` must go: the one sidecar holding it, or undefined if none is known. */
  addressOf(handle: bigint): string | undefined {
    const copies = this.copies.get(handle);
    if (copies === undefined) return undefined;
    if (copies.length > 1) {
      const where = (open: boolean) => copies.filter((c) => c.open === open).map((c) => c.address);
      throw new AmbiguousHandleError(handle, where(true), where(false));
    }
    return copies[0]!.address;
  }

  /**
   * Books what `address` answered to `commands`, in their order: handles opened, handles the
   * commands used up, and the handles of accounts a ReleaseAccounts that ran released (found
   * by review: the sidecar dropped them, answering only `bind`, and booked they made the same
   * id issued later by another sidecar ambiguous).
   */
  record(address: string, commands: readonly CommandInit[], results: readonly CommandResult[]): void {
    commands.forEach((command, i) => {
      const result = results[i]!;
      const used = handleNamedBy(command);
      // An executeRequest's reservation is for its request's account.
      const account = orderAccountOf(command) ?? (used === undefined ? undefined : this.copies.get(used)?.find((c) => c.open && c.address === address)?.account);
      // Used up only if it ran (or the sidecar no longer knows it): a command refused before it
      // ran (RESOURCE_EXHAUSTED, NOT_OWNER, PERMISSION_DENIED, SHUTTING_DOWN...) left it open.
      if (used !== undefined && handleGone(result)) this.used(address, used);
      const opened = handleOpenedBy(result);
      if (opened !== undefined) {
        const copies = this.copies.get(opened);
        if (copies === undefined) this.copies.set(opened, [{ address, account, open: true }]);
        // A safe retry is answered with its first decision, the same handle: within one
        // sidecar a live id names one handle, so it is booked once (found by review, session
        // 34: booked twice, its commit was refused as open "on A and A").
        else if (!copies.some((c) => c.open && c.address === address)) copies.push({ address, account, open: true });
      }
      if (command?.case === "releaseAccounts" && result.result.case !== "error") this.released(address, command.value.accountIds ?? []);
    });
  }

  /**
   * Books the handles `address`'s answer to `commands` opened on a channel that can send no
   * more (the sidecar closed it, or its stream broke, before the answer was read): they ended
   * with that channel, so each is booked as an ended copy, which counts only while another
   * copy of the id is open (an id no other copy holds is not booked). Found by review: they
   * were not booked at all, so an id open on another sidecar was that sidecar's alone, and a
   * late command meant for the copy that ended finished the other sidecar's reservation.
   * Nothing else is booked, and no open copy is touched: one at `address` is a newer channel's.
   */
  recordEnded(address: string, commands: readonly CommandInit[], results: readonly CommandResult[]): void {
    commands.forEach((command, i) => {
      const opened = handleOpenedBy(results[i]!);
      if (opened === undefined) return;
      this.copies.get(opened)?.push({ address, account: orderAccountOf(command), open: false });
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

  /** The channel to `address` is gone: so are its handles (the sidecar rolled them back). */
  forget(address: string): void {
    this.ended(address, [...this.copies].flatMap(([handle, copies]) => (copies.some((c) => c.open && c.address === address) ? [handle] : [])));
  }

  /** A ReleaseAccounts ran at `address`: its handles of those accounts ended there (their reservations rolled back, their requests abandoned). */
  private released(address: string, accounts: readonly bigint[]): void {
    const released = new Set(accounts);
    this.ended(
      address,
      [...this.copies].flatMap(([handle, copies]) => (copies.some((c) => c.open && c.address === address && c.account !== undefined && released.has(c.account)) ? [handle] : [])),
    );
  }

  /** `address`'s copies of `handles` ended there on their own (no command on them ran). */
  private ended(address: string, handles: readonly bigint[]): void {
    for (const handle of handles) {
      const copy = this.copies.get(handle)?.find((c) => c.open && c.address === address);
      if (copy === undefined) continue;
      copy.open = false;
      this.settle(handle);
    }
  }

  /** A command on `handle` was answered at `address` as run or unknown there: that copy is settled (the open one first). */
  private used(address: string, handle: bigint): void {
    const copies = this.copies.get(handle);
    if (copies === undefined) return;
    const at = copies.findIndex((c) => c.open && c.address === address);
    const i = at >= 0 ? at : copies.findIndex((c) => c.address === address);
    if (i < 0) return;
    copies.splice(i, 1);
    this.settle(handle);
  }

  /** An id none of whose copies is open is forgotten, with its ended copies. */
  private settle(handle: bigint): void {
    if (!this.copies.get(handle)?.some((c) => c.open)) this.copies.delete(handle);
  }
}
