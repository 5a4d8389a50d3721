/**
 * The channel's and the feed's answers written straight from the door's domain results
 * (src/server/codec/write-answers.ts) must be exactly protobuf-es's `toBinary` of the
 * generated messages encode-results.ts builds from the same results: for random results
 * of every hot kind, every presence rule (absent amounts, P&L values and halts, empty
 * texts, zero ids and groups), nested lengths across the one-byte boundary, non-ASCII
 * texts, and mixed with results answered before the door and kinds handed to the
 * generated path.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import * as fd from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import {
  channelAnswerMessage,
  encodeChannelAnswers,
  encodeFeedAnswers,
  feedAnswerMessage,
  reportResults,
  results,
  type ChannelAnswer,
  type FeedAnswer,
} from "../../../src/server/codec/index.js";
import { CommandError, type CommandErrorCode } from "../../../src/state/command-error.js";
import { PnlHaltReason, PreTradeLock, REJECT_CODES, type AccountAdjustmentOutcome, type AccountBlock, type OutcomeAmount, type PnlOutcome, type PostTradeResult, type Reject, type RejectCode } from "../../../src/model/index.js";
import { Pnl, PositionSize, Price, type AccountId, type PolicyGroupId } from "../../../src/param/index.js";
import { decodeOpenResponse, decodePublishResponse, encodeOpenResponse, encodePublishResponse } from "../../../src/transport/wire/index.js";
import { forSeeds, rng } from "./random-messages.js";

const ERROR_CODES: CommandErrorCode[] = ["MISSING_FIELD", "INVALID_VALUE", "HANDLE_CONSUMED", "RESOURCE_EXHAUSTED", "SHUTTING_DOWN", "INTERNAL", "NOT_OWNER"];

function randomDomain(seed: number) {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const chance = (p: number) => r() < p;
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const u64 = (): bigint => pick([0n, 1n, 127n, 128n, 16_384n, 2n ** 53n, 2n ** 64n - 1n, BigInt(int(1e9))]);
  const group = (): PolicyGroupId => pick([0, 0, 1, 127, 128, 65_535]) as PolicyGroupId;
  const decimal = (): string => pick(["0", "1", "185.25", "-1852.50", "999999998147.50", "0.000000001", "-123456789012345678901234.5", String(int(1e6))]);
  const text = (): string => pick(["", "", "SpotFunds", "insufficient funds", "x".repeat(130), "é", "naïve €"]);
  const amount = (): OutcomeAmount => ({ delta: PositionSize.fromString(decimal()), absolute: PositionSize.fromString(decimal()) });
  const maybe = <T>(f: () => T): T | undefined => (chance(0.5) ? f() : undefined);
  const pnl = (): PnlOutcome =>
    chance(0.7)
      ? { kind: "value", delta: Pnl.fromString(decimal()), absolute: Pnl.fromString(decimal()) }
      : { kind: "halted", reason: pick(Object.values(PnlHaltReason)) };
  const outcome = (): AccountAdjustmentOutcome => {
    const entry: Record<string, unknown> = { asset: pick(["", "USD", "AAPL", "é"]) };
    // Absent fields are left out, as the policies build them (not set to undefined).
    const parts: [string, () => unknown][] = [["balance", amount], ["held", amount], ["incoming", amount], ["realizedPnl", pnl], ["averageEntryPrice", () => Price.fromString(decimal())]];
    for (const [k, f] of parts) {
      const v = maybe(f);
      if (v !== undefined) entry[k] = v;
    }
    return { policyGroupId: group(), entry: entry as unknown as AccountAdjustmentOutcome["entry"] };
  };
  const code = (): RejectCode => pick(Object.keys(REJECT_CODES) as RejectCode[]);
  const reject = (): Reject => ({ policy: text(), code: code(), reason: text(), details: text(), scope: pick(["account", "order"] as const) });
  const block = (): AccountBlock => ({ policy: text(), code: code(), reason: text(), details: text() });
  const list = <T>(f: () => T, n: number): T[] => Array.from({ length: int(n) }, f);
  const lock = (): PreTradeLock => PreTradeLock.of(list(() => [group(), Price.fromString(decimal())] as const, 4));
  const error = () => new CommandError(pick(ERROR_CODES), text(), text(), pick(["", "", "10.0.0.7:50051"]));
  const postTrade = (): PostTradeResult => ({
    accountBlocks: list(block, 3),
    accountPnls: list(() => ({ accountId: u64() as AccountId, policyGroupId: group(), result: pnl() }), 3),
    accountAdjustments: list(outcome, 4),
  });
  const channelAnswer = (): ChannelAnswer => {
    switch (int(10)) {
      case 0:
        return { kind: "executeRejected", rejects: list(reject, 3) };
      case 1:
        return { kind: "startRejected", rejects: list(reject, 3) };
      case 2:
        return { kind: "startAccepted", requestId: u64() };
      case 3:
        return { kind: "finalized", id: u64() };
      case 4:
        return { kind: "error", error: error() };
      // Handed to the generated path:
      case 5:
        return { kind: "bind", takenOver: list(() => u64() as AccountId, 3) };
      case 6:
        return { kind: "postTrade", result: postTrade() };
      case 7:
        // Answered before the door: already a generated message.
        return chance(0.5) ? results.error(pick(ERROR_CODES), text(), text()) : results.fromError(error());
      default:
        return { kind: "executeAccepted", reservationId: u64(), committed: chance(0.5), lock: lock(), outcomes: list(outcome, 4) };
    }
  };
  const feedAnswer = (): FeedAnswer => {
    switch (int(4)) {
      case 0:
        return { kind: "error", error: error() };
      case 1:
        return reportResults.fromError(error());
      default:
        return { kind: "postTrade", result: postTrade() };
    }
  };
  return { correlationId: u64(), channel: list(channelAnswer, 6), feed: list(feedAnswer, 6) };
}

describe("answers written from domain results", () => {
  it("the channel's: exactly toBinary's bytes of encode-results.ts's messages, for 3 000 random answers", () => {
    forSeeds(3_000, (seed) => {
      const { correlationId, channel } = randomDomain(seed);
      const message = create(ch.OpenResponseSchema, { correlationId, results: channel.map(channelAnswerMessage) });
      const encoded = encodeChannelAnswers(correlationId, channel);
      expect(encoded.correlationId).toBe(correlationId);
      expect(Buffer.from(toBinary(ch.OpenResponseSchema, message)).equals(encoded.bytes)).toBe(true);
    });
  });

  it("the feed's: exactly toBinary's bytes of encode-results.ts's messages, for 3 000 random answers", () => {
    forSeeds(3_000, (seed) => {
      const { correlationId, feed } = randomDomain(seed);
      const message = create(fd.PublishResponseSchema, { correlationId, results: feed.map(feedAnswerMessage) });
      const encoded = encodeFeedAnswers(correlationId, feed);
      expect(Buffer.from(toBinary(fd.PublishResponseSchema, message)).equals(encoded.bytes)).toBe(true);
    });
  });

  // toEqual: the generated path's literals name absent fields as `undefined`, the decoder leaves them out.
  it("pass through the streams' serializers unchanged, and read back as the messages they stand for", () => {
    const { correlationId, channel, feed } = randomDomain(7);
    const open = encodeChannelAnswers(correlationId, channel);
    expect(encodeOpenResponse(open)).toBe(open.bytes);
    expect(decodeOpenResponse(open.bytes)).toEqual(create(ch.OpenResponseSchema, { correlationId, results: channel.map(channelAnswerMessage) }));
    const publish = encodeFeedAnswers(correlationId, feed);
    expect(encodePublishResponse(publish)).toBe(publish.bytes);
    expect(decodePublishResponse(publish.bytes)).toEqual(create(fd.PublishResponseSchema, { correlationId, results: feed.map(feedAnswerMessage) }));
  });

  it("each message gets its own buffer (grpc-js keeps it until the frame is written)", () => {
    const a = encodeChannelAnswers(1n, [{ kind: "finalized", id: 5n }]);
    const b = encodeChannelAnswers(2n, [{ kind: "finalized", id: 6n }]);
    expect([...a.bytes]).toEqual([8, 1, 18, 4, 58, 2, 8, 5]);
    expect([...b.bytes]).toEqual([8, 2, 18, 4, 58, 2, 8, 6]);
  });
});
