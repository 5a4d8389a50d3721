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
 */
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type { CommandResult, OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, type CommandInit } from "./account-channel.js";
import { HandleOwners, handleNamedBy } from "./handle-owners.js";
import { connect, type ConnectOptions, type SidecarClients } from "./grpc-clients.js";

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
 * A send failed part-way (a channel it used broke, or refused a message whole) after other
 * commands of it had run: `results` holds the answers received (undefined where none came;
 * those commands may or may not have run). `cause` is the failure.
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
  /** Told of every move, e.g. to log it. */
  readonly onRedirect?: (from: string, to: string) => void;
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
  /** The largest message a channel sends (AccountChannel's; default 4 MiB, the server's limit). */
  readonly maxMessageBytes?: number;
}

/** An account channel that follows NOT_OWNER answers to the shard's owner. */
export class OwnerFollowingChannel {
  /** One connection and channel per sidecar talked to; replaced when it can no longer send. */
  private readonly links = new Map<string, { clients: SidecarClients; channel: AccountChannel }>();
  private readonly handles = new HandleOwners();
  private current: string;
  /** close() was called: nothing is sent any more, not even a retry already under way. */
  private closed = false;

  constructor(
    address: string,
    private readonly options: OwnerFollowingOptions = {},
  ) {
    this.current = address;
    this.channelAt(address);
  }

  /** The sidecar the channel talks to now. */
  get address(): string {
    return this.current;
  }

  /**
   * Sends the commands to `address` as they are, following nothing: for a command on a
   * handle whose id is open on two sidecars, or was until one of them ended it
   * (`AmbiguousHandleError`). The handles the results open and use are booked as for `send`.
   */
  sendAt(address: string, ...commands: CommandInit[]): Promise<CommandResult[]> {
    return this.sendTo(address, commands);
  }

  /** The channel to `address`: the open one, or a new one if there is none that can still send. */
  private channelAt(address: string): AccountChannel {
    // Found by review: after close() a send (or a retry pausing for an owner) opened a new
    // channel that nothing would end, and ran commands the gateway believed could not run.
    if (this.closed) throw new Error("the channel was closed");
    const link = this.links.get(address);
    if (link?.channel.usable) return link.channel;
    if (link !== undefined) {
      // Ended, closed by the sidecar or broken: its handles went with it.
      link.clients.close();
      this.handles.forget(address);
    }
    const clients = connect(address, this.options.connectOptions);
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
      this.options.onNotice?.(address, notice);
    };
    channel = new AccountChannel(clients.channel, onNotice, this.options.maxMessageBytes);
    for (const event of ["error", "end"]) channel.call.on(event, dropHandlesIfGone);
    this.links.set(address, { clients, channel });
    return channel;
  }

  /**
   * Sends the commands; those refused NOT_OWNER with an address are sent again, on a channel
   * to that address (up to `maxRedirects` times each), and their results put in their places. Those refused with no owner
   * named are sent again where they went after a pause (doubling from 50 ms to 500 ms) until
   * the refusal names an owner or `noOwnerWaitMs` has passed; then the refusal is returned.
   * A command naming a handle goes to the sidecar that issued it; rejects with
   * `AmbiguousHandleError` (nothing sent) if two sidecars have that id open, or had while
   * one of them ended it (handle-owners.ts).
   */
  async send(...commands: CommandInit[]): Promise<CommandResult[]> {
    // Where each command went last: a "no owner yet" retry goes back there (a handle's issuer, say).
    const sentTo = commands.map((c) => this.routeOf(c));
    const results = await this.sendRouted(commands, sentTo);
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
      const moved = results.flatMap((r, i) => (notOwnerAddress(r) === undefined || handleNamedBy(commands[i]!) !== undefined || redirects[i]! >= maxRedirects ? [] : [i]));
      if (moved.length > 0) {
        const to = notOwnerAddress(results[moved[0]!]!)!;
        // One owner per round: the commands bound for another owner wait for the next one.
        again = moved.filter((i) => notOwnerAddress(results[i]!) === to);
        this.moveTo(to);
        for (const i of again) {
          sentTo[i] = to;
          redirects[i]!++;
        }
      } else {
        again = results.flatMap((r, i) => (isNoOwnerYet(r) ? [i] : []));
        if (again.length === 0 || waited + delay > waitMs) break;
        this.options.onNoOwner?.(again.length, delay);
        await pause(delay);
        waited += delay;
        delay = Math.min(delay * 2, MAX_PAUSE_MS);
      }
      let answers: (CommandResult | undefined)[];
      try {
        answers = await this.sendRouted(
          again.map((i) => commands[i]!),
          again.map((i) => sentTo[i]!),
        );
      } catch (e) {
        // The earlier rounds' answers stand (those commands ran): hand them over with the failure.
        const partial: (CommandResult | undefined)[] = [...results];
        const got = e instanceof PartialSendError ? e.results : [];
        again.forEach((i, k) => (partial[i] = got[k]));
        throw new PartialSendError(partial, e instanceof PartialSendError ? e.cause : e);
      }
      again.forEach((i, k) => (results[i] = answers[k]!));
    }
    return results;
  }

  /** Where a command goes: the sidecar that issued the handle it names, else the current one. */
  private routeOf(command: CommandInit): string {
    const handle = handleNamedBy(command);
    return (handle === undefined ? undefined : this.handles.addressOf(handle)) ?? this.current;
  }

  /** Sends each command to its address (one message per address, in the commands' order) and puts the results back in place. */
  private async sendRouted(commands: CommandInit[], routes: string[]): Promise<CommandResult[]> {
    const addresses = [...new Set(routes)];
    if (addresses.length === 1) return this.sendTo(addresses[0]!, commands);
    const results: CommandResult[] = new Array(commands.length);
    const settled = await Promise.allSettled(
      addresses.map(async (address) => {
        const at = routes.flatMap((r, i) => (r === address ? [i] : []));
        const answers = await this.sendTo(address, at.map((i) => commands[i]!));
        at.forEach((i, k) => (results[i] = answers[k]!));
      }),
    );
    // One sidecar failing must not drop what the others ran.
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw new PartialSendError(Array.from(results), failed.reason);
    return results;
  }

  private async sendTo(address: string, commands: CommandInit[]): Promise<CommandResult[]> {
    const channel = this.channelAt(address);
    const results = await channel.send(...commands);
    // A channel that can send no more (the sidecar closed it: ChannelClosing, ShuttingDown)
    // took its handles with it, those of this very answer included: none can be used again,
    // and booked they would make the same id from another sidecar ambiguous (found by review).
    // Its answer books nothing, and forgets the address's handles only while it is still that
    // address's channel: one that replaced it keeps its own (found by review, session 29).
    if (channel.usable) this.handles.record(address, commands, results);
    else if (this.links.get(address)?.channel === channel) this.handles.forget(address);
    return results;
  }

  private moveTo(address: string): void {
    if (address === this.current) return;
    const from = this.current;
    this.current = address;
    this.options.onRedirect?.(from, address);
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
