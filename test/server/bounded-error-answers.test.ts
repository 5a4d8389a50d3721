/**
 * Found by review (session 33): a per-command error quoted the bad value whole, so a batch
 * within every limit (4096 commands, under 4 MiB) of orders with a 961-character malformed
 * price drew an answer over the client's 4 MiB receive limit. The client failed the stream,
 * and the gateway's channel ended with its reservations rolled back. A decimal error now
 * quotes at most 64 characters and its length, and no error message on an answer passes 512
 * characters (state/command-error.ts).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { CommandSchema, OpenRequestSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel } from "../../src/client/index.js";
import { boundedMessage, MAX_ERROR_MESSAGE_CHARS } from "../../src/state/command-error.js";
import { quoted } from "../../src/param/quoted.js";
import { monitorEvents } from "../helpers/event-monitor.js";
import { order, seed, startHarness, testConfig, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("errors on an answer are bounded", () => {
  it("4096 orders with a malformed 961-character price, request under 4 MiB: each answered, the channel and its reservation kept", async () => {
    h = await startHarness(testConfig());
    const ch = new AccountChannel(h.clients.channel);
    await ch.send(seed("USD", "100000"));
    const [held] = await ch.send({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } });
    expect(held!.result.case).toBe("execute");
    const bad = "9".repeat(480) + "x" + "9".repeat(480);
    const commands = Array.from({ length: 4096 }, () => create(CommandSchema, { command: { case: "executePreTrade", value: { order: order({ price: bad }) } } }));
    expect(toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId: 3n, commands })).length).toBeLessThan(4 * 1024 * 1024);
    const answer = await ch.sendRaw(commands);
    expect(answer.results.length).toBe(4096);
    const error = answer.results[4095]!.result;
    expect(error.case).toBe("error");
    expect(error.case === "error" && error.value.message).toBe(
      `commands[4095].execute_pre_trade.order.price: InvalidFormat: Price: '${"9".repeat(64)}…' (961 characters) is not a plain decimal number`,
    );
    expect(h.server.state.channels.size).toBe(1);
  }, 60_000);

  it("boundedMessage keeps short messages and cuts long ones, saying how long they were, never inside a surrogate pair", () => {
    expect(boundedMessage("x".repeat(MAX_ERROR_MESSAGE_CHARS))).toBe("x".repeat(MAX_ERROR_MESSAGE_CHARS));
    const long = boundedMessage("y".repeat(2000));
    expect(long.length).toBe(MAX_ERROR_MESSAGE_CHARS);
    expect(long.endsWith("… (2000 characters in all)")).toBe(true);
    const tail = "… (2000 characters in all)".length;
    const pairs = "a" + "😀".repeat(1000);
    const cut = boundedMessage(pairs.slice(0, 2000));
    expect(cut.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(cut.slice(0, -tail)).toBe(pairs.slice(0, cut.length - tail));
    expect(/[\ud800-\udbff]$/.test(cut.slice(0, -tail))).toBe(false);
  });
});

// Found by review (session 37): two errors quoted what the client sent whole (only the
// 512-character cut of the whole message applied), where docs/security.md says at most 64
// characters and the length.
describe("refused values the errors quote", () => {
  const leverage = "0".repeat(300) + "1.05"; // a plain decimal the parser takes (1.05)

  it("an order's leverage that is not a multiple of 0.1", async () => {
    h = await startHarness();
    const r = await h.channel().one({ case: "executePreTrade", value: { order: order({ leverage }) } });
    expect(r.result.case).toBe("error");
    expect((r.result.value as { message: string }).message).toContain(`leverage ${quoted(leverage)} is not a multiple of 0.1`);
    expect(quoted(leverage)).toBe(`'${"0".repeat(64)}…' (304 characters)`);
  });

  it("an adjustment's position leverage", async () => {
    h = await startHarness();
    const r = await h.channel().one({
      case: "applyAccountAdjustment",
      value: {
        accountId: 42n,
        adjustments: [
          {
            operation: {
              case: "position",
              value: { instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" }, collateralAsset: "USD", averageEntryPrice: "1", mode: 1, leverage },
            },
          },
        ],
      },
    });
    expect(r.result.case).toBe("error");
    expect((r.result.value as { message: string }).message).toContain(`leverage ${quoted(leverage)} is not a multiple of 0.1`);
  });

  it("Subscribe's OTHER_GROUP refusal quotes the client's ownership_group", async () => {
    h = await startHarness();
    await h.admin("blockAccount", { accountId: 42n, reason: "r" });
    const group = "g".repeat(300);
    const refused = await monitorEvents(h.clients, 1n, group).ended;
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.details).toBe(
      `after_sequence 1 was numbered by the journal of ownership group '${"g".repeat(64)}…' (300 characters), and this instance's events by that of group all: ` +
        `each group numbers its own events, so resume at an instance of group '${"g".repeat(64)}…' (300 characters) (its owner or a standby), or subscribe here without after_sequence`,
    );
  });
});
