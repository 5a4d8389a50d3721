/**
 * The accounts the harness trades on, seeded through balance adjustments on the channel
 * (the way a gateway funds them), with every adjustment result checked.
 *
 * - Deep channels: accounts with funds that cannot run out, for the closed loop and the
 *   throughput runs (nothing to top up, no fills, so only the order path is measured).
 * - The open-loop world: ordinary accounts, one channel, the fill feed, the order mix,
 *   through the raw generator (raw-channel.ts), not the generated client.
 */
import { create } from "@bufbuild/protobuf";
import { GetAccountStateRequestSchema, type GetAccountStateResponse } from "../gen/openpit/sidecar/v1/admin_pb.js";
import type { Command } from "../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel, callUnary, type SidecarClients } from "../src/client/index.js";
import { DEEP_ACCOUNTS_PER_CHANNEL, DEEP_ACCOUNT_BASE, DEEP_FUNDS_USD, INSTRUMENTS, SETTLEMENT, WORLD_ACCOUNT_BASE } from "./bench-config.js";
import type { AnswerView } from "./answer-wire.js";
import { DeferredChecks, checkLater } from "./deferred-checks.js";
import { FillFeed } from "./fill-feed.js";
import type { Expectation, Oracle } from "./oracle.js";
import { RawOrderChannel, RawReportFeed } from "./raw-channel.js";
import { RawGrpcConnection } from "./raw-grpc.js";
import { OrderMix, SEED_USD, seededRandom, type PlannedOrder, type TopUp } from "./workload.js";
import { balanceCommand, orderCommand } from "./wire.js";

const SEED_BATCH = 256;

async function seed(channel: AccountChannel, oracle: Oracle, accounts: readonly bigint[], usd: string): Promise<void> {
  // An absolute seed: the balance is set to it whatever the account held (its delta is not predicted).
  const cents = Number(usd) * 100;
  for (let i = 0; i < accounts.length; i += SEED_BATCH) {
    const chunk = accounts.slice(i, i + SEED_BATCH);
    const response = await channel.sendRaw(chunk.map((id) => balanceCommand(id, SETTLEMENT, { absolute: usd })));
    chunk.forEach((id, j) => oracle.checkAdjustment(response.results[j], `seed of ${id}`, SETTLEMENT, undefined, cents, cents));
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
  /** The raw generator's channel and feed (raw-channel.ts): the open loop measures the sidecar, not a client library. */
  readonly channel: RawOrderChannel;
  readonly fills: FillFeed;
  readonly mix: OrderMix;
  readonly oracle: Oracle;
  /**
   * The oracle's checks of received answers, run at the end of each chunk (deferred-checks.ts)
   * so that no answer's latency stamp waits for the checks of the answers before it.
   */
  readonly checks: DeferredChecks;
  /** Sends a planned order's top-ups, each in its own message, their answers checked by the oracle; returns how many. */
  sendTopUps(planned: PlannedOrder): number;
  /**
   * Checks an order's answer with the oracle and queues the fills of an accepted one
   * (`fillParts` partial fills); true when it was accepted as predicted.
   */
  checkOrder(e: Expectation, answer: AnswerView | Error, fillParts?: number): boolean;
  /** The next order of the mix, with its top-ups, sent and checked: for the windowed (closed-loop) runs. Resolves with the messages sent. */
  decideNext(): Promise<number>;
  /**
   * Once nothing is in flight: every account's state read back (GetAccountState on `clients`)
   * and compared exactly with the oracle's (`Oracle.checkFinalState`). Outside any timed window.
   */
  reconcile(clients: SidecarClients): Promise<void>;
  close(): Promise<void>;
}

export interface WorldPlan {
  readonly accounts: number;
  readonly seed: number;
  readonly fillFlushMs: number;
}

/**
 * The open-loop world on its own HTTP/2 connection to the sidecar at `address` (or on
 * `connection`: bench/generator-probe.ts answers it in-process, to price the generator alone).
 */
export async function openWorld(address: string, oracle: Oracle, plan: WorldPlan, connection: RawGrpcConnection = new RawGrpcConnection(address)): Promise<World> {
  const stray = (a: AnswerView): void => {
    // A notice (e.g. shutting down) needs no answer; an answer nobody waits for is a harness or server bug.
    if (!a.notice) oracle.mismatch(`an answer with correlation id ${a.correlationId} that nothing waited for`);
  };
  const channel = new RawOrderChannel(connection, stray);
  const feed = new RawReportFeed(connection, stray);
  const accounts = Array.from({ length: plan.accounts }, (_, i) => WORLD_ACCOUNT_BASE + BigInt(i));
  for (let i = 0; i < accounts.length; i += SEED_BATCH) {
    const chunk = accounts.slice(i, i + SEED_BATCH);
    const answer = await channel.sendCommands(chunk.map((id) => balanceCommand(id, SETTLEMENT, { absolute: String(SEED_USD) })));
    chunk.forEach((id, j) => oracle.checkAdjustment(answer.results[j], `seed of ${id}`, SETTLEMENT, undefined, SEED_USD * 100, SEED_USD * 100));
  }
  for (const id of accounts) oracle.credit(id, SETTLEMENT, SEED_USD * 100);
  const checkTopUp = (b: TopUp, answer: AnswerView | Error): void => {
    if (answer instanceof Error) oracle.mismatch(`${b.what} of ${b.accountId} lost: ${answer.message}`);
    else oracle.checkAdjustment(answer.error ? { result: { case: "error", value: answer.error } } : answer.results[0], `${b.what} of ${b.accountId}`, b.asset, b.cents, b.lo, b.hi);
  };
  const checks = new DeferredChecks();
  const checkTopUpLater = checkLater(checkTopUp, checks);
  const fills = new FillFeed(feed, oracle, checks, plan.fillFlushMs, 256);
  const mix = new OrderMix(oracle, accounts, seededRandom(plan.seed));
  const sendTopUps = (planned: PlannedOrder): number => {
    for (const b of planned.before) channel.sendTopUp(b.accountId, b.asset, b.delta, checkTopUpLater, b);
    return planned.before.length;
  };
  const checkOrder = (e: Expectation, answer: AnswerView | Error, fillParts = 1): boolean => {
    if (answer instanceof Error) return oracle.mismatch(`order lost: ${answer.message}`);
    const accepted = oracle.checkDecision(e, answer.error ? { result: { case: "error", value: answer.error } } : answer.results[0]);
    if (accepted && e.accept) fills.add(e, fillParts);
    return accepted;
  };
  return {
    channel,
    fills,
    mix,
    oracle,
    checks,
    sendTopUps,
    checkOrder,
    async decideNext() {
      // Predicted and sent in one synchronous step: the oracle's predictions assume the
      // sidecar sees messages in prediction order.
      const planned = mix.next();
      const topUps = sendTopUps(planned);
      const e = planned.expectation;
      checkOrder(e, await channel.order(e).catch((err: Error) => err));
      return topUps + 1;
    },
    async reconcile(clients) {
      checks.run();
      await fills.drain();
      checks.run();
      for (const id of accounts) {
        const state = await callUnary<GetAccountStateResponse>(clients.admin, "getAccountState", create(GetAccountStateRequestSchema, { accountId: id })).catch((e: Error) => e);
        if (state instanceof Error) oracle.mismatch(`account ${id}: its state could not be read back: ${state.message}`);
        else oracle.checkFinalState(id, state.holdings);
      }
    },
    async close() {
      try {
        await Promise.all([channel.end(), feed.end()]);
      } finally {
        connection.close();
      }
    },
  };
}
