/**
 * `openpit events --after SEQ --group NAME`: with several ownership groups each group's journal
 * numbers its own events, so a resume names the group its number came from (bb6c9e6). The CLI
 * prints the group the instance reports (Subscribe's `openpit-ownership-group` header) first,
 * sends `--group` as `ownership_group`, and shows the sidecar's refusal of another group's
 * number; `--group` alone is a usage error. The in-process sidecar has no failover: the test
 * names its group as start-failover.ts does (attachReplication), without the rest of replication.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCaptured } from "./run-captured.js";
import { ACCOUNT, startHarness, type Harness } from "../server/harness.js";

describe("openpit events --group", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const run = (...argv: string[]) => runCaptured([...argv, "--target", h!.address]);
  /** A sidecar of ownership group `group` (as with failover), holding three events: #1 accountBlocked, #2 cancelWorkingOrdersSent, #3 auditRecorded. */
  const groupSidecar = async (group: string | undefined) => {
    h = await startHarness();
    if (group !== undefined) (h.server as unknown as { ctx: { ownershipGroup?: string } }).ctx.ownershipGroup = group;
    await h.admin("blockAccount", { accountId: ACCOUNT, reason: "hold" });
  };

  it("prints the group the instance reports first, and resumes with a matching --group", async () => {
    await groupSidecar("0-1");
    const first = await run("events", "--after", "0", "--limit", "1");
    expect(first).toEqual({ code: 0, out: expect.stringMatching(/^ownership group 0-1\n#1 accountBlocked accountId=\d+ .* by local\n$/) as unknown, err: "" });
    const resumed = await run("events", "--after", "1", "--group", "0-1", "--limit", "2");
    expect(resumed.err).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.out.split("\n").map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["ownership group", "#2 cancelWorkingOrdersSent", "#3 auditRecorded", ""]);
    expect(resumed.out.split("\n")[0]).toBe("ownership group 0-1");
    // --json: stdout holds the events only; the group goes to stderr.
    const json = await run("events", "--after", "2", "--group=0-1", "--limit", "1", "--json");
    expect([json.code, json.err, (JSON.parse(json.out) as { sequence: string }).sequence]).toEqual([0, "openpit events: ownership group 0-1\n", "3"]);
  });

  it("a --group the instance is not of exits 1 with the sidecar's FAILED_PRECONDITION, nothing printed on stdout", async () => {
    await groupSidecar("2-3");
    const refused = await run("events", "--after", "1", "--group", "0-1", "--limit", "2");
    expect(refused).toEqual({
      code: 1,
      out: "",
      err:
        "openpit: after_sequence 1 was numbered by the journal of ownership group '0-1', and this instance's events by that of group 2-3: each group numbers its own events, " +
        "so resume at an instance of group '0-1' (its owner or a standby), or subscribe here without after_sequence (FAILED_PRECONDITION, OTHER_GROUP)\n",
    });
    expect(h!.server.state.events.subscriberCount).toBe(0);
  });

  it("without failover the sidecar reports no group (no line) and counts as 'all'", async () => {
    await groupSidecar(undefined);
    const resumed = await run("events", "--after", "2", "--group", "all", "--limit", "1");
    expect([resumed.code, resumed.err, resumed.out.split(" ")[0]]).toEqual([0, "", "#3"]);
    const refused = await run("events", "--after", "2", "--group", "0-1", "--limit", "1");
    expect([refused.code, refused.out]).toEqual([1, ""]);
    expect(refused.err).toContain("this instance's events by that of group all:");
  });

  it("--group without --after, or empty, is a usage error: nothing subscribed", async () => {
    await groupSidecar("0-1");
    const alone = await run("events", "--group", "0-1", "--limit", "1");
    expect({ code: alone.code, out: alone.out, first: alone.err.split("\n")[0] }).toEqual({
      code: 2,
      out: "",
      first: "openpit events: --group names the ownership group of an --after number: give it with --after SEQ",
    });
    expect(alone.err).toContain("usage: openpit events");
    const empty = await run("events", "--after", "1", "--group=", "--limit", "1");
    expect([empty.code, empty.err.split("\n")[0]]).toEqual([2, "openpit events: --group needs a group name ('0-1', 'all'), not ''"]);
    const twice = await run("events", "--after", "1", "--group", "0-1", "--group", "2-3");
    expect([twice.code, twice.err.split("\n")[0]]).toEqual([2, "openpit events: --group is given more than once ('0-1', then '2-3'): it takes one value; run the command once for each"]);
    expect(h!.server.state.events.subscriberCount).toBe(0);
  });
});
