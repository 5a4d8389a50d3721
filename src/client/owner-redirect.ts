/**
 * Replicated mode on the client side (docs/high-availability.md, "What gateways should do"):
 * a command on an account this sidecar does not own comes back as a per-command
 * ERROR_CODE_NOT_OWNER naming the owner's advertised address. Such a command changed
 * nothing, so it is safe to send again to that address: `OwnerFollowingChannel` does exactly
 * that, and only for those commands (the others ran where they were sent). A NOT_OWNER
 * without an address means no instance owns the shard yet (a failover is under way): the
 * channel sends those commands again to the same sidecar after a short pause, which names
 * the new owner as soon as one has claimed the shard, for up to `noOwnerWaitMs`.
 *
 * Following an owner never drops the channel it leaves: the commands that channel already
 * ran stand (their reservations stay open there; cancelling it would make the sidecar roll
 * them back after answering "accepted"), and what is still in flight on it is answered.
 * So the client keeps one channel per sidecar and sends a command that names a handle
 * (execute_request, discard_request, commit/rollback_reservation) to the sidecar that
 * issued the handle (handle-owners.ts).
 *
 * An owner that dies names nobody: with `alternateAddresses` (the deployment's other
 * sidecars) the channel moves off a dead or broken address by itself, along a rotation (the
 * address given, then the alternates in order, wrapping). Two cases, and only these:
 * - The connection to the address never became READY (refused, or the connection bound of
 *   liveness.ts fired first): nothing of that stream was written to any sidecar
 *   (`watchEverReady`, liveness.ts), so the send's commands that name no handle go to the
 *   next address of the rotation not yet found unreachable by this send, each address at
 *   most once per send; when none is left the send rejects with `UnreachableError` (nothing
 *   ran). A standby there answers NOT_OWNER naming the owner (followed) or no owner yet (the
 *   pause and retry), so the channel converges on the new owner; a NOT_OWNER naming an
 *   address this send found unreachable (the dead owner, until its lease lapses) waits as
 *   "no owner yet" does, at the sidecar that answered it.
 * - The stream to the current address broke (an error, or the server ended it unasked) after
 *   it had been READY: what was in flight on it may or may not have run and is never sent
 *   again (the send rejects as without alternates, PartialSendError where other commands
 *   ran). Only the next `send` starts at the next address of the rotation.
 * A command naming a handle never moves (the handle belongs to the sidecar that issued it).
 * Every move is told to `onRedirect`, with its reason.
 */
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type { CommandResult, OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, MessageRefusedError, type CommandInit } from "./account-channel.js";
import { HandleOwners, handleNamedBy } from "./handle-owners.js";
import { callGatewayHook } from "./gateway-hook.js";
import { connect, connectRefusal, type ConnectOptions, type SidecarClients } from "./grpc-clients.js";
import { watchEverReady } from "./liveness.js";

/** The owner a NOT_OWNER result names, or undefined (another result, or no owner known right now). */
export function notOwnerAddress(result: CommandResult): string | undefined {
  if (result.result.case !== "error") return undefined;
  const e = result.result.value;
  return e.code === ErrorCode.NOT_OWNER && e.ownerAddress !== "" ? e.ownerAddress : undefined;
}

/** A NOT_OWNER without an address: no instance owns the shard at this moment (retry shortly, here). */
export function isNoOwnerYet(result: CommandResult): boolean {
  return result.result.case === "error" && result.result.value.code === ErrorCode.NOT_OWNER && result.result.value.ownerAddress === "";
}

/**
 * `close()` was called: nothing more is sent, by this send or a later one. Commands a send
 * had not sent yet (a retry pausing for an owner, say) ran nowhere: those refused NOT_OWNER
 * keep it (found by review: they came back `undefined`, "may or may not have run").
 */
export class ChannelClosedError extends Error {
  override name = "ChannelClosedError";
}

/**
 * A send failed part-way (a channel it used broke, or refused a message whole) after other
 * commands of it had run: `results` holds the answers received (undefined where none came;
 * those commands may or may not have run). A command refused NOT_OWNER and followed to a
 * sidecar where nothing of it ran (none could be reached, or it refused the message whole)
 * keeps that NOT_OWNER: it ran nowhere. `cause` is the failure.
 */
export class PartialSendError extends Error {
  override name = "PartialSendError";
  constructor(
    readonly results: (CommandResult | undefined)[],
    override readonly cause: unknown,
  ) {
    super(`send failed part-way (${results.filter((r) => r !== undefined).length} of ${results.length} answered): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * No command of a message reached a sidecar: the connection to every address in `addresses`
 * (in the order tried) failed before it was ever READY, so nothing ran and the same commands
 * can be sent again. `cause` is the last failure; with one address the message is its message.
 * From `OwnerFollowingChannel.send` also when every command was refused NOT_OWNER (ran
 * nowhere) and none could be reached where it was followed: nothing of the send ran either.
 */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  /** The gRPC status of the last failure (`cause`'s, UNAVAILABLE as a rule): code that read `e.code` from the raw error before this one existed still can. */
  readonly code: number | undefined;
  constructor(
    readonly addresses: readonly string[],
    override readonly cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(addresses.length === 1 ? why : `no sidecar could be reached (${addresses.join(", ")}): ${why}`);
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === "number" ? code : undefined;
  }
}

/** Why the channel moved: a NOT_OWNER named the owner, the address could not be reached, or its stream broke. */
export type MoveReason = "not-owner" | "unreachable" | "broken";

const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 500;

export interface OwnerFollowingOptions {
  readonly connectOptions?: ConnectOptions;
  /**
   * How many times one command of a `send` may be sent on to the owner a NOT_OWNER named
   * (its chain of moves: a failover moving again meanwhile); default 3. Counted per command,
   * so a batch spanning more owners than this still reaches each; a command past it is
   * returned with its NOT_OWNER, so owners that keep moving cannot loop a send forever.
   */
  readonly maxRedirects?: number;
  /** Told of every move (the current address changing), with its reason, e.g. to log it. */
  readonly onRedirect?: (from: string, to: string, reason: MoveReason) => void;
  /**
   * The deployment's other sidecars (replicated mode): the address given to the constructor,
   * then these in order, wrapping, is the rotation the channel moves along when an address
   * cannot be reached (its connection never became READY: the send's commands go on, nothing
   * of them having been sent) or its stream broke (the next send starts further on; nothing in
   * flight is sent again). Default none: the channel stays at its address until a NOT_OWNER
   * moves it.
   */
  readonly alternateAddresses?: readonly string[];
  /**
   * How long one `send` keeps retrying commands refused with no owner named (a failover is
   * under way: the lease lapsed and nobody has claimed it yet); default 5 000 ms, about a
   * lease TTL and a standby's claim. After that the refusal is returned as it is.
   */
  readonly noOwnerWaitMs?: number;
  /** Told before each such pause (the commands waiting, the pause), e.g. to log it. */
  readonly onNoOwner?: (commands: number, pauseMs: number) => void;
  /** The pause between those retries (tests drive it; default: a timer). */
  readonly pause?: (ms: number) => Promise<void>;
  /** Told of every notice a sidecar sends on its channel (fencing, expired handles, shutdown, cancel working orders). */
  readonly onNotice?: (address: string, notice: OpenResponse) => void;
  /**
   * Told when a NOT_OWNER named an owner no channel can be opened to (the connect options
   * refuse it: a bearer token over plaintext to a host off loopback; a target grpc-js cannot
   * read): its commands are returned with their NOT_OWNER, and the channel stays where it was.
   */
  readonly onUnfollowable?: (address: string, error: Error) => void;
  /** The largest message a channel sends (AccountChannel's; default 4 MiB, the server's limit). */
  readonly maxMessageBytes?: number;
}

/** One connection and account channel to a sidecar, and whether that connection was ever READY. */
interface Link {
  readonly clients: SidecarClients;
  readonly channel: AccountChannel;
  readonly everReady: () => boolean;
}

/** An account channel that follows NOT_OWNER answers to the shard's owner. */
export class OwnerFollowingChannel {
  /** One connection and channel per sidecar talked to; replaced when it can no longer send. */
  private readonly links = new Map<string, Link>();
  private readonly handles = new HandleOwners();
  private current: string;
  /** The address given, then the alternates: where the channel goes when an address is dead or broke. */
  private readonly rotation: readonly string[];
  /** close() was called: nothing is sent any more, not even a retry already under way. */
  private closed = false;

  constructor(
    address: string,
    private readonly options: OwnerFollowingOptions = {},
  ) {
    this.current = address;
    this.rotation = [...new Set([address, ...(options.alternateAddresses ?? [])])];
    // An alternate the options cannot connect to is refused here, as the address is below:
    // moved to in a failover, it failed the send there and kept the channel at it (found by review).
    (options.alternateAddresses ?? []).forEach((alternate, i) => {
      const refusal = connectRefusal(alternate, options.connectOptions ?? {});
      if (refusal !== undefined) throw new Error(`alternateAddresses[${i}]: ${refusal.message}`);
    });
    this.linkAt(address);
  }

  /** The sidecar the channel talks to now. */
  get address(): string {
    return this.current;
  }

  /**
   * Sends the commands to `address` as they are, following nothing: for a command on a
   * handle whose id is open on two sidecars, or was until one of them ended it
   * (`AmbiguousHandleError`). The handles the results open and use are booked as for `send`.
   * Never moves: a connection to `address` that never became READY rejects with `UnreachableError`.
   */
  sendAt(address: string, ...commands: CommandInit[]): Promise<CommandResult[]> {
    return this.sendTo(address, commands);
  }

  /** The link to `address`: the open one, or a new one if there is none that can still send. */
  private linkAt(address: string): Link {
    // Found by review: after close() a send (or a retry pausing for an owner) opened a new
    // channel that nothing would end, and ran commands the gateway believed could not run.
    if (this.closed) throw new ChannelClosedError("the channel was closed");
    const link = this.links.get(address);
    if (link?.channel.usable) return link;
    if (link !== undefined) {
      // Ended, closed by the sidecar or broken: its handles went with it.
      link.clients.close();
      this.handles.forget(address);
    }
    const clients = connect(address, this.options.connectOptions);
    // Watched before the stream opens (its own client: nothing else watches that channel).
    const everReady = watchEverReady(clients.channel);
    // Set right below; the callbacks only run once the channel exists.
    let channel: AccountChannel | undefined;
    /**
     * The channel can send no more (the sidecar closed it, its stream broke or ended): its
     * handles went with it, at once, not at the next send to this address (found by review,
     * session 29: an idle channel's handles stayed booked, and the same id from another
     * sidecar was refused as ambiguous). Only while it is still this address's channel: a
     * channel that replaced it keeps its own.
     */
    const dropHandlesIfGone = (): void => {
      if (channel !== undefined && !channel.usable && this.links.get(address)?.channel === channel) this.handles.forget(address);
    };
    const onNotice = (notice: OpenResponse) => {
      this.handles.noticed(address, notice);
      dropHandlesIfGone();
      callGatewayHook("onNotice", this.options.onNotice, address, notice);
    };
    channel = new AccountChannel(clients.channel, onNotice, this.options.maxMessageBytes);
    for (const event of ["error", "end"]) channel.call.on(event, dropHandlesIfGone);
    const made = { clients, channel, everReady };
    this.links.set(address, made);
    return made;
  }

  /**
   * Sends the commands; those refused NOT_OWNER with an address are sent again, on a channel
   * to that address (up to `maxRedirects` times each), and their results put in their places. Those refused with no owner
   * named are sent again where they went after a pause (doubling from 50 ms to 500 ms) until
   * the refusal names an owner or `noOwnerWaitMs` has passed; then the refusal is returned.
   * A command naming a handle goes to the sidecar that issued it; rejects with
   * `AmbiguousHandleError` (nothing sent) if two sidecars have that id open, or had while
   * one of them ended it (handle-owners.ts). With `alternateAddresses`, the send starts at the
   * next address of the rotation if the current one's stream broke, and the commands naming
   * no handle that could not reach an address (its connection never became READY) go on to
   * the next one (see the header); rejects with `UnreachableError` when none was reached.
   */
  async send(...commands: CommandInit[]): Promise<CommandResult[]> {
    // The addresses this send found unreachable (in the order found): each is tried once.
    const dead = new Set<string>();
    // Owners named that no channel can be opened to (linkRefusal): not followed.
    const unfollowable = new Set<string>();
    this.leaveBrokenCurrent();
    // Where each command went last: a "no owner yet" retry goes back there (a handle's issuer, say).
    const sentTo = commands.map((c) => this.routeOf(c));
    const results = await this.sendRouted(commands, sentTo, dead);
    const waitMs = this.options.noOwnerWaitMs ?? 5_000;
    const pause = this.options.pause ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const maxRedirects = this.options.maxRedirects ?? 3;
    // How many times each command was sent on to a named owner. Found by review (session 30):
    // one count for the whole send, one hop per owner visited in turn, left a batch spanning
    // more owners than maxRedirects with NOT_OWNER answers unfollowed, though each named the
    // right owner the first time and nothing moved.
    const redirects = commands.map(() => 0);
    let waited = 0;
    let delay = FIRST_PAUSE_MS;
    for (;;) {
      let again: number[];
      // A command on a handle is never followed: the handle belongs to the channel that issued
      // it, and the same id on the owner's channel can be another reservation or request.
      // A command moved maxRedirects times already is returned with its NOT_OWNER as it is.
      // An owner named that this send could not reach (a dead owner whose lease has not lapsed
      // yet) is not followed either: the command waits as for "no owner yet", where it went.
      const moved = results.flatMap((r, i) => {
        const to = notOwnerAddress(r);
        return to === undefined || dead.has(to) || unfollowable.has(to) || handleNamedBy(commands[i]!) !== undefined || redirects[i]! >= maxRedirects ? [] : [i];
      });
      if (moved.length > 0) {
        const to = notOwnerAddress(results[moved[0]!]!)!;
        // The channel there, opened before moving: one that cannot be opened at all left the
        // channel at that address for good, every later send failing there, and the NOT_OWNER
        // answers were lost in a "0 of 1 answered" that said the command might have run
        // (found by review). Its commands keep their NOT_OWNER; the channel stays.
        const refusal = this.linkRefusal(to);
        if (refusal !== undefined) {
          unfollowable.add(to);
          callGatewayHook("onUnfollowable", this.options.onUnfollowable, to, refusal);
          continue;
        }
        // One owner per round: the commands bound for another owner wait for the next one.
        again = moved.filter((i) => notOwnerAddress(results[i]!) === to);
        this.moveTo(to, "not-owner");
        for (const i of again) {
          sentTo[i] = to;
          redirects[i]!++;
        }
      } else {
        again = results.flatMap((r, i) => {
          const to = notOwnerAddress(r);
          return isNoOwnerYet(r) || (to !== undefined && dead.has(to) && handleNamedBy(commands[i]!) === undefined) ? [i] : [];
        });
        if (again.length === 0 || waited + delay > waitMs) break;
        callGatewayHook("onNoOwner", this.options.onNoOwner, again.length, delay);
        await pause(delay);
        waited += delay;
        delay = Math.min(delay * 2, MAX_PAUSE_MS);
      }
      let answers: (CommandResult | undefined)[];
      const routes = again.map((i) => sentTo[i]!);
      try {
        answers = await this.sendRouted(
          again.map((i) => commands[i]!),
          routes,
          dead,
        );
      } catch (e) {
        // The earlier rounds' answers stand (those commands ran): hand them over with the failure.
        // A round that failed whole with no sidecar reached, or its message refused whole, ran
        // nothing: its commands keep the NOT_OWNER they were sent on with (they ran nowhere),
        // not `undefined`, "may or may not have run" (found by review).
        const notRun = e instanceof UnreachableError || e instanceof MessageRefusedError || e instanceof ChannelClosedError;
        const partial: (CommandResult | undefined)[] = [...results];
        const got = e instanceof PartialSendError ? e.results : [];
        again.forEach((i, k) => (partial[i] = got[k] ?? (notRun ? results[i] : undefined)));
        // No command of the send ran anywhere (each was refused NOT_OWNER, and nothing of the
        // follow ran): the failure itself, as a send to one sidecar rejects (found by review).
        if (notRun && partial.every((r) => r !== undefined && (notOwnerAddress(r) !== undefined || isNoOwnerYet(r)))) throw e;
        throw new PartialSendError(partial, e instanceof PartialSendError ? e.cause : e);
      }
      // Moved on from an unreachable address: a later "no owner yet" retry goes where they went.
      again.forEach((i, k) => {
        results[i] = answers[k]!;
        sentTo[i] = routes[k]!;
      });
    }
    return results;
  }

  /** Why no channel to `address` can be opened (connect refused it synchronously), or undefined once one is open. */
  private linkRefusal(address: string): Error | undefined {
    // A closed channel's refusal is the send's own error: sendRouted throws it.
    if (this.closed) return undefined;
    try {
      this.linkAt(address);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Where a command goes: the sidecar that issued the handle it names, else the current one. */
  private routeOf(command: CommandInit): string {
    const handle = handleNamedBy(command);
    return (handle === undefined ? undefined : this.handles.addressOf(handle)) ?? this.current;
  }

  /**
   * The address after `from` in the rotation (its first if `from` is not in it) that is not
   * in `dead`, nor `from` itself; undefined if there is none (no alternates, or all dead).
   */
  private nextInRotation(from: string, dead: ReadonlySet<string>): string | undefined {
    const n = this.rotation.length;
    const at = this.rotation.indexOf(from);
    for (let k = 0; k < n; k++) {
      const next = this.rotation[(at + 1 + k) % n]!;
      if (next !== from && !dead.has(next)) return next;
    }
    return undefined;
  }

  /** The current address's stream broke (the sidecar died, the connection dropped): start at the next address. */
  private leaveBrokenCurrent(): void {
    const link = this.links.get(this.current);
    if (this.closed || !link?.channel.broken) return;
    const next = this.nextInRotation(this.current, new Set());
    if (next !== undefined) this.moveTo(next, link.everReady() ? "broken" : "unreachable");
  }

  /**
   * Sends each command to its address (one message per address, in the commands' order) and
   * puts the results back in place. Commands naming no handle whose address could not be
   * reached (`UnreachableError` from `sendTo`: nothing of them was sent) go on to the next
   * address of the rotation this send has not found unreachable, `routes` updated; when none
   * is left, or for a command naming a handle, the send fails with an `UnreachableError`.
   */
  private async sendRouted(commands: CommandInit[], routes: string[], dead: Set<string>): Promise<CommandResult[]> {
    const results: (CommandResult | undefined)[] = new Array<CommandResult | undefined>(commands.length).fill(undefined);
    const several = new Set(routes).size > 1;
    let pending = commands.map((_, i) => i);
    let failure: unknown;
    let failed = false;
    while (pending.length > 0) {
      const addresses = [...new Set(pending.map((i) => routes[i]!))];
      const groups = addresses.map((address) => pending.filter((i) => routes[i] === address));
      const settled = await Promise.allSettled(
        addresses.map(async (address, g) => {
          const at = groups[g]!;
          const answers = await this.sendTo(address, at.map((i) => commands[i]!));
          at.forEach((i, k) => (results[i] = answers[k]!));
        }),
      );
      pending = [];
      settled.forEach((s, g) => {
        if (s.status === "fulfilled") return;
        // One sidecar failing must not drop what the others ran.
        const fail = (e: unknown) => {
          if (!failed) [failed, failure] = [true, e];
        };
        if (!(s.reason instanceof UnreachableError)) return fail(s.reason);
        const address = addresses[g]!;
        dead.add(address);
        const movable = groups[g]!.filter((i) => handleNamedBy(commands[i]!) === undefined);
        const next = movable.length > 0 ? this.nextInRotation(address, dead) : undefined;
        if (next === undefined || movable.length < groups[g]!.length) fail(new UnreachableError([...dead], s.reason.cause));
        if (next === undefined) return;
        // Closed meanwhile: nothing more is sent, and what could not be sent fails the send
        // (found by review, session 37: left unanswered, it crashed send() with a TypeError and
        // lost the answers of what ran elsewhere).
        if (this.closed) return fail(new UnreachableError([...dead], s.reason.cause));
        this.moveTo(next, "unreachable");
        for (const i of movable) routes[i] = next;
        pending.push(...movable);
      });
      pending.sort((a, b) => a - b);
    }
    if (!failed) return results as CommandResult[];
    if (!several && results.every((r) => r === undefined)) throw failure;
    throw new PartialSendError(results, failure);
  }

  /**
   * Sends to `address` on its link; rejects with `UnreachableError` when the link's stream
   * broke without its connection ever having been READY (nothing of it reached a sidecar).
   */
  private async sendTo(address: string, commands: CommandInit[]): Promise<CommandResult[]> {
    let link: Link;
    try {
      link = this.linkAt(address);
    } catch (e) {
      // No channel can be opened there (a target grpc-js cannot read): nothing was sent, so the
      // rotation goes on to its next address, as for one never READY.
      if (this.closed) throw e;
      throw new UnreachableError([address], e);
    }
    const channel = link.channel;
    let results: CommandResult[];
    try {
      results = await channel.send(...commands);
    } catch (e) {
      if (channel.broken && !link.everReady()) throw new UnreachableError([address], e);
      throw e;
    }
    // A channel that can send no more (the sidecar closed it: ChannelClosing, ShuttingDown;
    // its stream broke) took its handles with it, those of this very answer included: none can
    // be used again, and booked open they would make the same id from another sidecar
    // ambiguous for good (found by review). It forgets the address's handles only while it is
    // still that address's channel: one that replaced it keeps its own (found by review,
    // session 29). The handles this answer opened are booked as ended copies: the gateway holds
    // them now and may send a late command on one, which must not finish another sidecar's
    // reservation of the same id (found by review: not booked at all, it was routed there).
    if (channel.usable) this.handles.record(address, commands, results);
    else {
      if (this.links.get(address)?.channel === channel) this.handles.forget(address);
      this.handles.recordEnded(address, commands, results);
    }
    return results;
  }

  private moveTo(address: string, reason: MoveReason): void {
    if (address === this.current) return;
    const from = this.current;
    this.current = address;
    callGatewayHook("onRedirect", this.options.onRedirect, from, address, reason);
  }

  /**
   * Half-closes every channel (what is in flight is answered) and closes the connections.
   * From then on a send is refused, and a retry under way stops with what it has
   * (PartialSendError).
   */
  async close(): Promise<void> {
    this.closed = true;
    const links = [...this.links.values()];
    this.links.clear();
    await Promise.all(links.map((l) => l.channel.end().catch(() => {})));
    for (const l of links) l.clients.close();
  }
}
