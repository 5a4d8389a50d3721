/**
 * docs/observability.md's metric tables against the registry: every `openpit_*` metric the
 * tables list is registered with the documented type, every registered `openpit_*` metric is
 * listed, and a series carries exactly the documented labels. A metric added, renamed or
 * retyped on one side only fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SidecarMetrics } from "../../src/server/metrics/sidecar-metrics.js";
import { fakeMetricsState } from "./fake-metrics-state.js";
import { registerReplicationMetrics } from "../../src/server/metrics/replication-metrics.js";

const DOC = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");

interface Documented {
  type: string;
  labels: string[];
}

/** `| \`name\` | type | labels? | … |` rows of the tables above "## Logs". */
function documented(): Map<string, Documented> {
  const out = new Map<string, Documented>();
  let withLabels = false;
  for (const line of DOC.slice(0, DOC.indexOf("## Logs")).split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells[1] === "Metric" || cells[1] === "Name") {
      withLabels = cells[3] === "Labels";
      continue;
    }
    const name = /^`(openpit_[a-z_]+)`$/.exec(cells[1]!);
    if (!name) continue;
    const labels = withLabels ? [...cells[3]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!) : [];
    out.set(name[1]!, { type: cells[2]!, labels });
  }
  return out;
}

function metrics(): SidecarMetrics {
  const m = new SidecarMetrics({ state: fakeMetricsState(), phase: () => "serving", version: "0.0.0", replayRules: 3 });
  registerReplicationMetrics(m.registry, { status: () => ({ role: "standby", shards: [], appliedSequence: 0n }) } as never);
  // Series that exist only once something happened.
  m.eventPublished({ event: { kind: "accountBlocked" } } as never);
  m.denied("PERMISSION_DENIED");
  return m;
}

describe("docs/observability.md's metric tables", () => {
  it("list every openpit_ metric the sidecar registers (replication's included), with its type", async () => {
    const m = metrics();
    const registered = (await m.registry.getMetricsAsJSON()).filter((x) => x.name.startsWith("openpit_"));
    const docs = documented();
    expect(registered.map((x) => x.name).sort()).toEqual([...docs.keys()].sort());
    for (const x of registered) expect({ name: x.name, type: String(x.type) }).toEqual({ name: x.name, type: docs.get(x.name)!.type });
  });

  it("give each series exactly its documented labels", async () => {
    const docs = documented();
    const seen: string[] = [];
    for (const x of await metrics().registry.getMetricsAsJSON()) {
      const doc = docs.get(x.name);
      if (!doc) continue;
      for (const v of x.values) {
        const labels = Object.keys(v.labels).filter((l) => l !== "le");
        expect({ name: x.name, labels: labels.sort() }).toEqual({ name: x.name, labels: [...doc.labels].sort() });
      }
      if (x.values.length > 0) seen.push(x.name);
    }
    expect(seen).toEqual(expect.arrayContaining(["openpit_serving_phase", "openpit_build_info", "openpit_replication_role", "openpit_events_published_total", "openpit_denied_total"]));
  });
});
