/**
 * Found by review (session 33): a per-command error quoted the bad value whole, so a batch
 * within every limit (4096 commands, under 4 MiB) of orders with a 961-character malformed
 * price drew an answer over the client's 4 MiB receive limit. The client failed the stream,
 * and the gateway's channel ended with its reservations rolled back. A decimal error now
 * quotes at most 64 characters and its length, and no error message on an answer passes 512
 * characters (state/command-error.ts).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { CommandSchema, OpenRequestSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { AccountChannel } from "../../src/client/index.js";
import { boundedMessage, MAX_ERROR_MESSAGE_CHARS } from "../../src/state/command-error.js";
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
