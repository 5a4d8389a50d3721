/**
 * Replicated mode on the client side (docs/high-availability.md, "What gateways should do"):
 * a command on an account this sidecar does not own comes back as a per-command
 * ERROR_CODE_NOT_OWNER naming the owner's advertised address. Such a command changed
 * nothing, so it is safe to send again to that address: `OwnerFollowingChannel` does exactly
 * that, and only for those commands (the others ran where they were sent).
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

export interface OwnerFollowingOptions {
  readonly connectOptions?: ConnectOptions;
  /** How many hops one `send` may follow (a failover moving again meanwhile); default 3. */
  readonly maxRedirects?: number;
  /** Told of every move, e.g. to log it. */
  readonly onRedirect?: (from: string, to: string) => void;
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
   * channel to that address, and their results put in their places. A NOT_OWNER without an
   * address (nobody owns the shard at this moment) is returned as it is: retry later.
   */
  async send(...commands: CommandInit[]): Promise<CommandResult[]> {
    const results = await this.channel.send(...commands);
    let pending = results.map((_, i) => i);
    for (let hop = 0; hop < (this.options.maxRedirects ?? 3); hop++) {
      const moved = pending.filter((i) => notOwnerAddress(results[i]!) !== undefined);
      if (moved.length === 0) break;
      const target = notOwnerAddress(results[moved[0]!]!)!;
      // One channel per client: the commands bound for another owner wait for the next send.
      const now = moved.filter((i) => notOwnerAddress(results[i]!) === target);
      await this.moveTo(target);
      const again = await this.channel.send(...now.map((i) => commands[i]));
      now.forEach((i, k) => (results[i] = again[k]!));
      pending = now;
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
