/**
 * Builds a journal for the replay measurement by driving the door in process (no sockets,
 * no gRPC): the bench's engine and configuration, a FileJournal in async mode, and a
 * realistic mix of domain commands, each entering the door as its own record, exactly as
 * the live server journals them (the commands are decoded from the same protobuf messages
 * the load generator sends, with the server's own codec):
 *
 * - orders: 70 % `execute{commitOnAccept}`, 25 % `execute` followed by a `commit` (two
 *   records), 5 % `execute` followed by a `rollback`; buys, and sells of confirmed holdings;
 * - every committed order filled in full at its lock price by one report on the feed
 *   (one report per feed record), 32 fills behind the orders;
 * - a balance top-up (an adjustment) when an account's dollars run low, after a seeding
 *   adjustment per account.
 *
 * About 44 % of the records are executes, 11 % commits, 2 % rollbacks, 42 % fills, 1 %
 * adjustments. Channels are closed at the end, so recovery has nothing to roll back and a
 * replay does not change the journal.
 */
import { createHash } from "node:crypto";
import { buildState } from "../src/app/build-sidecar.js";
import { decodeChannelCommand } from "../src/server/codec/decode-commands.js";
import { decodeExecutionReport } from "../src/server/codec/decode-report.js";
import { parseSidecarConfig } from "../src/server/config/sidecar-config.js";
import type { ChannelCommand } from "../src/state/commands.js";
import { FileJournal } from "../src/state/journal/file-journal.js";
import { encodePlain } from "../src/state/plain-data.js";
import type { SidecarState } from "../src/state/sidecar-state.js";
import { INSTRUMENTS, SETTLEMENT, WORLD_ACCOUNT_BASE, benchSidecarConfig, type BenchInstrument } from "./bench-config.js";
import { seededRandom } from "./workload.js";
import { balanceCommand, fillReport, orderCommand, type Side } from "./wire.js";

export interface JournalBuildPlan {
  readonly dataDir: string;
  /** Records to write (the journal ends within a few records of this). */
  readonly records: number;
  readonly accounts: number;
  readonly channels: number;
  readonly seed: number;
  readonly segmentBytes: number;
}

export interface JournalBuildResult {
  readonly records: number;
  /** Records by what they carry. */
  readonly byKind: Record<string, number>;
  readonly accepted: number;
  readonly rejected: number;
  readonly ms: number;
  /** `stateDigest` of the door once the journal was written. */
  readonly digest: string;
}

const SEED_CENTS = 100_000 * 100;
const TOP_UP_CENTS = 100_000 * 100;
const LOW_CENTS = 10_000 * 100;
const FILL_LAG = 32;
const SELL_SHARE = 0.45;
const COMMIT_ON_ACCEPT_SHARE = 0.7;
const ROLLBACK_SHARE = 0.05;
const MAX_QUANTITY = 20;

interface Fill {
  readonly account: bigint;
  readonly instrument: BenchInstrument;
  readonly side: Side;
  readonly quantity: number;
}

interface Ledger {
  usdCents: number;
  /** Units of each underlying held and not promised to an open sell. */
  readonly free: Map<string, number>;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function buildJournal(plan: JournalBuildPlan): Promise<JournalBuildResult> {
  const started = performance.now();
  const config = parseSidecarConfig(benchSidecarConfig() as never);
  const state = buildState(config);
  const journal = FileJournal.open({ dataDir: plan.dataDir, mode: "async", segmentBytes: plan.segmentBytes });
  state.attachJournal(journal);
  const random = seededRandom(plan.seed);
  const int = (maxExclusive: number) => Math.floor(random() * maxExclusive);
  const byKind: Record<string, number> = {};
  const count = (kind: string) => (byKind[kind] = (byKind[kind] ?? 0) + 1);
  let accepted = 0;
  let rejected = 0;

  const channels = Array.from({ length: plan.channels }, () => state.openChannel().channelId);
  byKind.openChannel = plan.channels;
  const accounts = Array.from({ length: plan.accounts }, (_, i) => WORLD_ACCOUNT_BASE + BigInt(i));
  const ledgers = new Map<bigint, Ledger>(accounts.map((a) => [a, { usdCents: 0, free: new Map() }]));
  const channelOf = (account: bigint) => channels[Number(account - WORLD_ACCOUNT_BASE) % channels.length]!;
  const decode = (c: ReturnType<typeof orderCommand>): ChannelCommand => decodeChannelCommand(c.command, "commands[0]", 1024);
  const run = (account: bigint, command: ChannelCommand, kind: string) => {
    count(kind);
    return state.runChannel(channelOf(account), [command])[0]!;
  };
  const adjust = (account: bigint, cents: number, absolute: boolean) => {
    const usd = String(cents / 100);
    run(account, decode(balanceCommand(account, SETTLEMENT, absolute ? { absolute: usd } : { delta: usd })), "adjustment");
    const ledger = ledgers.get(account)!;
    ledger.usdCents = absolute ? cents : ledger.usdCents + cents;
  };

  const fills: Fill[] = [];
  const applyFill = () => {
    const f = fills.shift()!;
    count("fill");
    state.applyReports([decodeExecutionReport(fillReport(f.account, f.instrument, f.side, f.quantity))]);
    const ledger = ledgers.get(f.account)!;
    if (f.side === "BUY") ledger.free.set(f.instrument.underlying, (ledger.free.get(f.instrument.underlying) ?? 0) + f.quantity);
    else ledger.usdCents += f.quantity * f.instrument.priceCents;
  };

  for (const account of accounts) adjust(account, SEED_CENTS, true);

  const target = plan.records - plan.channels - FILL_LAG;
  let nextYield = 0;
  while (journal.lastSequence < BigInt(target)) {
    const account = accounts[int(accounts.length)]!;
    const ledger = ledgers.get(account)!;
    const instrument = INSTRUMENTS[int(INSTRUMENTS.length)]!;
    const quantity = 1 + int(MAX_QUANTITY);
    const free = ledger.free.get(instrument.underlying) ?? 0;
    const side: Side = free >= quantity && random() < SELL_SHARE ? "SELL" : "BUY";
    if (side === "BUY" && ledger.usdCents < LOW_CENTS + quantity * instrument.priceCents) adjust(account, TOP_UP_CENTS, false);
    const r = random();
    const commitOnAccept = r < COMMIT_ON_ACCEPT_SHARE;
    const rollback = !commitOnAccept && r >= 1 - ROLLBACK_SHARE;
    const result = run(account, decode(orderCommand(account, instrument, side, quantity, commitOnAccept)), "execute");
    if (result.kind !== "executeAccepted") {
      rejected++;
      continue;
    }
    accepted++;
    if (!commitOnAccept) {
      run(account, { kind: rollback ? "rollback" : "commit", reservationId: result.reservationId }, rollback ? "rollback" : "commit");
      if (rollback) continue;
    }
    if (side === "BUY") ledger.usdCents -= quantity * instrument.priceCents;
    else ledger.free.set(instrument.underlying, free - quantity);
    fills.push({ account, instrument, side, quantity });
    if (fills.length > FILL_LAG) applyFill();
    // Let the journal seal and write this turn's batch, and bound what waits for the disk.
    if (journal.lastSequence >= nextYield) {
      nextYield += 2_000;
      await yieldTurn();
      if (nextYield % 100_000 === 0) await journal.flush();
    }
  }
  while (fills.length > 0) applyFill();
  for (const id of channels) state.closeChannel(id, "disconnect");
  byKind.closeChannel = channels.length;
  await journal.flush();
  const records = Number(journal.lastSequence);
  const ms = performance.now() - started;
  const digest = stateDigest(state);
  await journal.close();
  return { records, byKind, accepted, rejected, ms, digest };
}

/**
 * A hash of everything the door holds (its snapshot, as the snapshot files encode it, less
 * the journal position and the time: a recovery journals a `served` record of its own):
 * equal after the build and after a replay means the replay reproduced the state exactly.
 */
export function stateDigest(state: SidecarState): string {
  const snapshot = { ...state.snapshot(), sequence: 0n, ts: 0 };
  return createHash("sha256").update(encodePlain(snapshot)).digest("hex").slice(0, 16);
}
