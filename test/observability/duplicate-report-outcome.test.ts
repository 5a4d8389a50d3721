/**
 * A report whose execution id was applied already runs nothing: openpit_commands_total counts
 * it as `duplicate`, on the feed and on a channel, so a gateway re-sending after lost answers
 * shows as such rather than as more fills (docs/observability.md).
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { ACCOUNT, testConfig } from "../server/harness.js";
import { closeObservedAfterEach, sample, startObserved } from "./observed-sidecar.js";

const fee = (executionId: string) =>
  create(pb.ExecutionReportSchema, {
    instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
    accountId: ACCOUNT,
    side: pb.Side.BUY,
    fillFee: { amount: "0.5", currency: "USD" },
    executionId,
  });

describe("a repeated execution id in the metrics", () => {
  closeObservedAfterEach();

  it("counts as duplicate, not as another applied report", async () => {
    const o = await startObserved({ config: testConfig({ metrics: { listen: "127.0.0.1:0", latencySampleEvery: 1 } }) });
    await o.feed().publish(fee("F-1"), fee("F-1"), fee("F-2"), fee("F-1"));
    const ch = o.channel();
    await ch.send({ case: "applyExecutionReport", value: { report: fee("F-2") } }, { case: "applyExecutionReport", value: { report: fee("F-3") } });
    const text = await o.scrape();
    expect(sample(text, 'openpit_commands_total{kind="feedReport",outcome="ok"}')).toBe(2);
    expect(sample(text, 'openpit_commands_total{kind="feedReport",outcome="duplicate"}')).toBe(2);
    expect(sample(text, 'openpit_commands_total{kind="report",outcome="ok"}')).toBe(1);
    expect(sample(text, 'openpit_commands_total{kind="report",outcome="duplicate"}')).toBe(1);
  });
});
