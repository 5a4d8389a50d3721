/**
 * An oversize message is refused whole, with one small answer: 100 000 empty commands
 * (200 kB) used to draw one BATCH_TOO_LARGE per command (7.2 MB), past the client's
 * default 4 MiB receive limit, which killed the client's own stream.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it } from "vitest";
import { CommandSchema, OpenRequestSchema, OpenResponseSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { PublishResponseSchema } from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { ExecutionReportSchema } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { AccountChannel, MessageRefusedError, connect } from "../../src/client/index.js";
import { buildState } from "../../src/app/build-sidecar.js";
import { DEFAULT_LIMITS, parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { SidecarServer } from "../../src/server/server.js";
import { order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { status } from "@grpc/grpc-js";
import { fill } from "./results.js";

const EMPTY_COMMANDS = 100_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("oversize batches", () => {
  it("100 000 empty commands: one small answer with BATCH_TOO_LARGE, no results, and the stream stays up", async () => {
    h = await startHarness();
    const ch = h.channel();
    const commands = Array.from({ length: EMPTY_COMMANDS }, () => create(CommandSchema));
    expect(toBinary(OpenRequestSchema, create(OpenRequestSchema, { correlationId: 1n, commands })).length).toBe(200_002);
    const response = await ch.sendRaw(commands);
    expect(response.results).toEqual([]);
    expect(response.error).toMatchObject({
      code: ErrorCode.BATCH_TOO_LARGE,
      field: "commands",
      message: "commands: 100000 commands in one message; at most 4096",
    });
    expect(toBinary(OpenResponseSchema, response).length).toBeLessThan(100);
    expect(h.server.state.channels.size).toBe(0); // nothing ran, not even the channel's opening
    expect((await ch.one(seed("USD", "1"))).result.case).toBe("adjustment");
  });

  it("while recovering: an oversize message is still refused whole; a small one gets one UNAVAILABLE per command", async () => {
    const server = new SidecarServer(buildState(parseSidecarConfig(testConfig())), DEFAULT_LIMITS, "recovering");
    const port = await server.listen("127.0.0.1:0");
    const clients = connect(`127.0.0.1:${port}`);
    try {
      const ch = new AccountChannel(clients.channel);
      const big = await ch.sendRaw(Array.from({ length: 5_000 }, () => create(CommandSchema)));
      expect(big.results).toEqual([]);
      expect(big.error?.code).toBe(ErrorCode.BATCH_TOO_LARGE);
      const small = await ch.sendRaw([create(CommandSchema), create(CommandSchema)]);
      expect(small.error).toBeUndefined();
      expect(small.results.map((r) => r.result.case === "error" && r.result.value.code)).toEqual([ErrorCode.UNAVAILABLE, ErrorCode.UNAVAILABLE]);
    } finally {
      await server.shutdown();
      clients.close();
    }
  });

  it("a message over network.maxReceiveMessageBytes (4 MiB) ends its stream with RESOURCE_EXHAUSTED; the channel is dropped", async () => {
    h = await startHarness();
    // A client that does not check the size first (ours refuses such a message alone: test/client/client-stream.test.ts).
    const ch = new AccountChannel(h.clients.channel, undefined, Number.MAX_SAFE_INTEGER);
    expect((await ch.one(seed("USD", "1"))).result.case).toBe("adjustment");
    const closed = h.nextChannelClose();
    const huge = ch.one({ case: "executePreTrade", value: { order: order({ price: "1".repeat(4 * 1024 * 1024) }) } });
    await expect(huge).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    expect(await closed).toBe(1n);
  });

  it("the feed: an oversize message is refused whole (PublishResponse.error), the feed stays up", async () => {
    h = await startHarness();
    const feed = h.feed();
    const reports = Array.from({ length: 4_097 }, () => create(ExecutionReportSchema));
    const refused = await feed.publish(...reports).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MessageRefusedError);
    const error = (refused as MessageRefusedError).error;
    expect(error).toMatchObject({ code: ErrorCode.BATCH_TOO_LARGE, field: "reports", message: "reports: 4097 reports in one message; at most 4096" });
    expect(toBinary(PublishResponseSchema, create(PublishResponseSchema, { error })).length).toBeLessThan(100);
    expect(await feed.publish(fill({ qty: "1", price: "100" }))).toHaveLength(1);
  });
});
