/**
 * `openpit_command_sidecar_seconds` times only messages answered command by command: one
 * refused whole is answered in microseconds, and under overload (the channel queue full)
 * such refusals pulled the quantiles down exactly while orders waited. Found by review.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { CommandSchema } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { order, seed } from "../server/harness.js";
import { closeObservedAfterEach, sample, startObserved } from "./observed-sidecar.js";

describe("openpit_command_sidecar_seconds and messages refused whole", () => {
  closeObservedAfterEach();

  it("does not time a message refused whole (too many commands); times one the door answered", async () => {
    const o = await startObserved({ config: { limits: { maxCommandsPerMessage: 2 } } });
    const ch = o.channel();
    await ch.send(seed("USD", "10000"));
    const execute = { case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }) } } as const;
    const refused = await ch.sendRaw([execute, execute, execute].map((command) => create(CommandSchema, { command })));
    expect(refused.error?.code).toBe(ErrorCode.BATCH_TOO_LARGE);
    const count = async () => sample(await o.scrape(), 'openpit_command_sidecar_seconds_count{kind="execute"}') ?? 0;
    expect(await count()).toBe(0);
    await ch.one(execute);
    expect(await count()).toBe(1);
  });
});
