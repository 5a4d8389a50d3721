/**
 * The accounts the harness trades on, seeded through balance adjustments on the channel
 * (the way a gateway funds them), with every adjustment result checked.
 *
 * - Deep channels: accounts with funds that cannot run out, for the closed loop and the
 *   throughput runs (nothing to top up, no fills, so only the order path is measured).
 * - The open-loop world: ordinary accounts, one channel, the fill feed, the order mix.
 */
import type { Command } from "../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, ReportFeed, type SidecarClients } from "../src/client/index.js";
import { DEEP_ACCOUNTS_PER_CHANNEL, DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, WORLD_ACCOUNT_BASE } from "./bench-config.js";
import { FillFeed } from "./fill-feed.js";
import type { Oracle } from "./oracle.js";
import { OrderMix, SEED_USD, seededRandom } from "./workload.js";
import { balanceCommand, orderCommand } from "./wire.js";

const SEED_BATCH = 256;

async function seed(channel: AccountChannel, oracle: Oracle, accounts: readonly bigint[], usd: string): Promise<void> {
  for (let i = 0; i < accounts.length; i += SEED_BATCH) {
    const chunk = accounts.slice(i, i + SEED_BATCH);
    const response = await channel.sendRaw(chunk.map((id) => balanceCommand(id, SETTLEMENT, { absolute: usd })));
    chunk.forEach((id, j) => oracle.checkAdjustment(response.results[j], `seed of ${id}`));
  }
}

export interface DeepChannel {
  readonly channel: AccountChannel;
  /** The next order (10 AAPL, a different account each time), prebuilt. */
  next(): Command;
}

export async function openDeepChannels(clients: SidecarClients, oracle: Oracle, count: number): Promise<DeepChannel[]> {
  const out: DeepChannel[] = [];
  for (let c = 0; c < count; c++) {
    const channel = new AccountChannel(clients.channel);
    const accounts = Array.from({ length: DEEP_ACCOUNTS_PER_CHANNEL }, (_, i) => DEEP_ACCOUNT_BASE + BigInt(c * 1_000 + i));
    await seed(channel, oracle, accounts, DEEP_FUNDS_USD);
    const orders = accounts.map((id) => orderCommand(id, INSTRUMENTS[0]!, "BUY", 10));
    let i = 0;
    out.push({ channel, next: () => orders[i++ % orders.length]! });
  }
  return out;
}

export interface World {
  readonly channel: AccountChannel;
  readonly fills: FillFeed;
  readonly mix: OrderMix;
  readonly oracle: Oracle;
  close(): Promise<void>;
}

export interface WorldPlan {
  readonly accounts: number;
  readonly seed: number;
  readonly fillFlushMs: number;
}

export async function openWorld(clients: SidecarClients, oracle: Oracle, plan: WorldPlan): Promise<World> {
  const channel = new AccountChannel(clients.channel);
  const feed = new ReportFeed(clients.feed);
  const accounts = Array.from({ length: plan.accounts }, (_, i) => WORLD_ACCOUNT_BASE + BigInt(i));
  await seed(channel, oracle, accounts, String(SEED_USD));
  for (const id of accounts) oracle.credit(id, SETTLEMENT, SEED_USD * 100);
  return {
    channel,
    fills: new FillFeed(feed, oracle, plan.fillFlushMs, 256),
    mix: new OrderMix(oracle, accounts, seededRandom(plan.seed)),
    oracle,
    async close() {
      await Promise.all([channel.end(), feed.end()]);
    },
  };
}
