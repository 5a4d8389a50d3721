/**
 * Found by review.
 * docs/observability.md, "Logs": "Nothing is logged per order at `info` or above: per-order
 * facts are metrics", and the table lists every `event`. An account whose open orders hover
 * at a soft-limit share (MaxOpenOrdersPolicy 10, SoftLimitPolicy share 0.9: a fill takes it
 * to 8, the next order back to 9) crosses the share again on every order; each crossing is a
 * `softLimitCrossed` event, which src/server/log/event-log.ts logs through its `default:`
 * branch: an `info` line `account_event` (not in the table) carrying only `kind`, no account,
 * policy or limit. Same for `tradingStateChanged` and `cancelWorkingOrdersSent`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { closeObservedAfterEach, startObserved } from "./observed-sidecar.js";
import { controlsConfig, execute } from "../server/controls-world.js";
import { fill } from "../server/results.js";

/** Every `event` name the Logs table of docs/observability.md lists. */
function documentedEvents(): Set<string> {
  const doc = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");
  const logs = doc.slice(doc.indexOf("## Logs"));
  const names = new Set<string>();
  for (const line of logs.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cell = line.split("|")[1]!;
    for (const m of cell.matchAll(/`([a-z_]+)`/g)) names.add(m[1]!);
  }
  return names;
}

const POLICIES = [
  { type: "MaxOpenOrdersPolicy", settings: { default: { maxOpenOrders: 10 } } },
  { type: "SoftLimitPolicy", settings: { shares: ["0.9"] } },
];

describe("soft-limit crossings in the log", () => {
  closeObservedAfterEach();

  it("an account hovering at a share logs no info line per order, and only documented events", async () => {
    const o = await startObserved({ config: { ...controlsConfig(POLICIES), durability: { mode: "ephemeral" }, metrics: { listen: "127.0.0.1:0", latencySampleEvery: 1 } } });
    const ch = o.channel();
    for (let i = 0; i < 9; i++) await ch.one(execute());
    const from = o.log.lines.length;
    const ROUNDS = 10;
    const feed = o.feed();
    for (let i = 0; i < ROUNDS; i++) {
      await feed.publish(fill({ qty: "10", price: "100" }));
      await ch.one(execute());
    }
    await new Promise((r) => setTimeout(r, 50));
    const lines = o.log.lines.slice(from).filter((l) => l.level !== "debug" && l.level !== "trace");
    const documented = documentedEvents();
    expect(lines.map((l) => l.event).filter((e) => !documented.has(e))).toEqual([]);
    expect(lines.length).toBeLessThan(ROUNDS);
  });
});
