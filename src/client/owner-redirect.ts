/**
 * Replicated mode on the client side (docs/high-availability.md, "What gateways should do"):
 * a command on an account this sidecar does not own comes back as a per-command
 * ERROR_CODE_NOT_OWNER naming the owner's advertised address. Such a command changed
 * nothing, so it is safe to send again to that address: `OwnerFollowingChannel` does exactly
 * that, and only for those commands (the others ran where they were sent). A NOT_OWNER
 * without an address means no instance owns the shard yet (a failover is under way): the
 * channel sends those commands again to the same sidecar after a short pause, which names
 * the new owner as soon as one has claimed the shard, for up to `noOwnerWaitMs`.
 */
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import type { CommandResult } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, type CommandInit } from "./account-channel.js";
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

const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 500;

export interface OwnerFollowingOptions {
  readonly connectOptions?: ConnectOptions;
  /** How many hops one `send` may follow (a failover moving again meanwhile); default 3. */
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
}

/** An account channel that follows NOT_OWNER answers to the shard's owner. */
export class OwnerFollowingChannel {
  private clients: SidecarClients;
  private channel: AccountChannel;
  private current: string;

  constructor(
    address: string,
    private readonly options: OwnerFollowingOptions = {},
  ) {
    this.current = address;
    this.clients = connect(address, options.connectOptions);
    this.channel = new AccountChannel(this.clients.channel);
  }

  /** The sidecar the channel talks to now. */
  get address(): string {
    return this.current;
  }

  /**
   * Sends the commands; those refused NOT_OWNER with an address are sent again, on a new
   * channel to that address, and their results put in their places. Those refused with no
   * owner named are sent again here after a pause (doubling from 50 ms to 500 ms) until the
   * refusal names an owner or `noOwnerWaitMs` has passed; then the refusal is returned.
   */
  async send(...commands: CommandInit[]): Promise<CommandResult[]> {
    const results = await this.channel.send(...commands);
    const waitMs = this.options.noOwnerWaitMs ?? 5_000;
    const pause = this.options.pause ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let hops = 0;
    let waited = 0;
    let delay = FIRST_PAUSE_MS;
    for (;;) {
      let again: number[];
      const moved = results.flatMap((r, i) => (notOwnerAddress(r) === undefined ? [] : [i]));
      if (moved.length > 0) {
        if (hops++ >= (this.options.maxRedirects ?? 3)) break;
        const target = notOwnerAddress(results[moved[0]!]!)!;
        // One channel per client: the commands bound for another owner wait for the next round.
        again = moved.filter((i) => notOwnerAddress(results[i]!) === target);
        await this.moveTo(target);
      } else {
        again = results.flatMap((r, i) => (isNoOwnerYet(r) ? [i] : []));
        if (again.length === 0 || waited + delay > waitMs) break;
        this.options.onNoOwner?.(again.length, delay);
        await pause(delay);
        waited += delay;
        delay = Math.min(delay * 2, MAX_PAUSE_MS);
      }
      const answers = await this.channel.send(...again.map((i) => commands[i]!));
      again.forEach((i, k) => (results[i] = answers[k]!));
    }
    return results;
  }

  private async moveTo(address: string): Promise<void> {
    if (address === this.current) return;
    const from = this.current;
    this.channel.cancel();
    this.clients.close();
    this.current = address;
    this.clients = connect(address, this.options.connectOptions);
    this.channel = new AccountChannel(this.clients.channel);
    this.options.onRedirect?.(from, address);
  }

  /** Half-closes the channel and closes the connection. */
  async close(): Promise<void> {
    await this.channel.end().catch(() => {});
    this.clients.close();
  }
}
