/**
 * Found by review: `block --group G --reason new` on a group blocked already printed
 * "group G: blocked: new" while the group kept (and rejected orders showed) its first reason.
 * No API reads a group's block; the CLI looked for the kept reason only in the newest 20
 * blockGroup audit records and took its own reason when none was found (audit.retainRecords 0,
 * or more than 20 group blocks since). It now reads the block its change left from that
 * change's own audit record, however many records came after it, and says the reason is not
 * known when the trail kept none, never the reason it sent.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCaptured } from "./run-captured.js";
import { startHarness, testConfig, type Harness } from "../server/harness.js";

describe("block --group on a group blocked already", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (...argv: string[]) => runCaptured([...argv, "--target", h!.address]);
  const groupBlock = (group: number) => h!.server.state.engine.accounts().groupBlockOf(group as never)?.reason;

  it("with no audit record kept, says blocked with the reason not known, never the reason sent", async () => {
    h = await startHarness(testConfig({ audit: { retainRecords: 0 } }));
    await h.admin("blockGroup", { groupId: 5, reason: "desk closed" });
    const again = await run("block", "--group", "5", "--reason", "compliance hold");
    expect(groupBlock(5)).toBe("desk closed");
    expect(again).toEqual({
      code: 0,
      err: "",
      out: "group 5: blocked (the reason in force is not known: the audit trail kept no record of this change; if the group was blocked already it keeps its first reason: --replace to re-word it)\n",
    });
    const json = await run("block", "--group", "5", "--reason", "compliance hold", "--json");
    expect(JSON.parse(json.out)).toEqual({ groupId: 5, blocked: true });
  });

  it("finds its change's record with more than 20 other group blocks after it", async () => {
    h = await startHarness();
    await h.admin("blockGroup", { groupId: 5, reason: "desk closed" });
    const state = h.server.state;
    const admin = state.admin.bind(state);
    // Other operators block 150 groups right after this change, before the CLI reads the trail.
    const spy = vi.spyOn(state, "admin").mockImplementation((c, actor) => {
      const result = admin(c, actor);
      if (c.kind === "blockGroup" && (c.group as number) === 5) for (let g = 100; g < 250; g++) admin({ kind: "blockGroup", group: g as never, reason: "other desk" }, actor);
      return result;
    });
    try {
      const again = await run("block", "--group", "5", "--reason", "compliance hold");
      expect(again).toEqual({ code: 0, err: "", out: "group 5: blocked: desk closed (it was blocked already: the first cause wins; --replace to re-word it)\n" });
    } finally {
      spy.mockRestore();
    }
    expect(groupBlock(5)).toBe("desk closed");
  });

  it("a group not blocked before shows the reason its change set, and --replace the reason replaced", async () => {
    h = await startHarness();
    expect(await run("block", "--group", "7", "--reason", "desk closed")).toEqual({ code: 0, err: "", out: "group 7: blocked: desk closed\n" });
    expect(await run("block", "--group", "7", "--reason", "compliance hold", "--replace")).toEqual({ code: 0, err: "", out: "group 7: blocked: compliance hold\n" });
    expect(groupBlock(7)).toBe("compliance hold");
  });
});
