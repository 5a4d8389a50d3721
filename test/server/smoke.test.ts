import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RejectCode } from "../../gen/openpit/sidecar/v1/types_pb.js";
import { holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";

describe("sidecar smoke", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("seeds funds, reserves, commits and reports holdings", async () => {
    const ch = h.channel();
    const [seeded] = await ch.send(seed("USD", "10000"));
    expect(seeded!.result.case).toBe("adjustment");
    const exec = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "200" }) } });
    expect(exec.result.case).toBe("execute");
    if (exec.result.case !== "execute") return;
    expect(exec.result.value.accepted).toBe(true);
    expect(exec.result.value.lock?.prices.map((p) => p.price)).toEqual(["200"]);
    const id = exec.result.value.reservationId;
    const commit = await ch.one({ case: "commitReservation", value: { reservationId: id } });
    expect(commit.result.case).toBe("finalize");
    expect(await holdingsOf(h)).toMatchObject({ USD: { available: "8000", held: "2000" } });
    const tooBig = await ch.one({ case: "executePreTrade", value: { order: order({ qty: "41", price: "200" }) } });
    expect(tooBig.result.case === "execute" && tooBig.result.value.rejects[0]?.code).toBe(RejectCode.INSUFFICIENT_FUNDS);
    await ch.end();
  });
});
