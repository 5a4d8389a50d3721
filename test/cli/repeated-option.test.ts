/**
 * Found by review: an option given twice took its last value, so `block --group 5 --group 6`
 * blocked group 6 alone and exited 0 (the operator who meant to stop both desks had one still
 * trading), and `unblock` the same. An option given twice is a usage error (exit 2, nothing sent)
 * for every command, except those documented as repeatable (configure's --set).
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";
import { startHarness, type Harness } from "../server/harness.js";

describe("an option given twice", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (...argv: string[]) => runCaptured([...argv, ...(h ? ["--target", h.address] : [])]);
  const groupBlock = (group: number) => h!.server.state.engine.accounts().groupBlockOf(group as never)?.reason;

  it("block --group 5 --group 6 is refused whole: neither group is blocked", async () => {
    h = await startHarness();
    const twice = await run("block", "--group", "5", "--group", "6", "--reason", "desk closed");
    expect({ code: twice.code, out: twice.out, first: twice.err.split("\n")[0] }).toEqual({
      code: 2,
      out: "",
      first: "openpit block: --group is given more than once ('5', then '6'): it takes one value; run the command once for each",
    });
    expect([groupBlock(5), groupBlock(6)]).toEqual([undefined, undefined]);
  });

  it("unblock --group 5 --group 6 is refused whole: both groups stay blocked", async () => {
    h = await startHarness();
    await h.admin("blockGroup", { groupId: 5, reason: "desk closed" });
    await h.admin("blockGroup", { groupId: 6, reason: "desk closed" });
    const twice = await run("unblock", "--group=5", "--group=6");
    expect(twice.code).toBe(2);
    expect([groupBlock(5), groupBlock(6)]).toEqual(["desk closed", "desk closed"]);
  });

  it("block --reason twice is refused: nothing is blocked", async () => {
    h = await startHarness();
    const twice = await run("block", "42", "--reason", "a", "--reason", "b");
    expect(twice.code).toBe(2);
    expect(h.server.state.engine.accounts().ownBlockOf(42n as never)).toBeUndefined();
  });

  it("is a usage error for every command's options and the connection options", async () => {
    for (const argv of [
      ["accounts", "--limit", "5", "--limit", "6"],
      ["audit", "--actor", "a", "--actor", "b"],
      ["events", "--after", "1", "--after", "2"],
      ["status", "--target", "127.0.0.1:1", "--target", "127.0.0.1:2"],
      ["status", "--timeout", "1", "--timeout", "2"],
      ["journal", "status", "/nonexistent", "--limit", "1", "--limit", "2"],
    ]) {
      const r = await run(...argv);
      expect({ argv, code: r.code, err: r.err.split("\n")[0] }).toEqual({
        argv,
        code: 2,
        err: expect.stringMatching(new RegExp(`^openpit ${argv[0]}: --[a-z-]+ is given more than once \\(`)) as unknown,
      });
    }
  });

  it("configure --set stays repeatable", async () => {
    h = await startHarness();
    const r = await run("configure", "OrderSizeLimitPolicy", "--set", "broker.maxQuantity=500", "--set", "broker.maxNotional=250000", "--dry-run");
    expect(r).toEqual({
      code: 0,
      err: "",
      out: 'OrderSizeLimitPolicy broker.maxQuantity: "1000" -> "500"\nOrderSizeLimitPolicy broker.maxNotional: "1000000" -> "250000"\ndry run: nothing changed\n',
    });
  });
});
