/**
 * docs/configuration.md's field tables against the loader: every section's table lists
 * exactly the fields the loader accepts (its "unknown field (expected one of: …)" list), and
 * a default written as a plain number or a single literal is what the loader fills in. A
 * field added, renamed or re-defaulted on one side only fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";

const DOC = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
const POLICIES = [{ type: "OrderValidationPolicy" }];

interface Row {
  field: string;
  default: string;
  meaning: string;
}

/** The `| Field | Default | Meaning |` tables of the doc, by the heading above them, in order. */
function tables(): Map<string, Row[][]> {
  const out = new Map<string, Row[][]>();
  let heading = "";
  let current: Row[] | undefined;
  for (const line of DOC.split("\n")) {
    const h = /^#{2,3} (.*)$/.exec(line);
    if (h) heading = h[1]!.replace(/`/g, "");
    if (line.startsWith("| Field | Default |")) {
      current = [];
      out.set(heading, [...(out.get(heading) ?? []), current]);
      continue;
    }
    if (!line.startsWith("|")) {
      current = undefined;
      continue;
    }
    if (current === undefined || line.startsWith("|---")) continue;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const field = /^`([A-Za-z]+)`$/.exec(cells[1]!);
    if (field) current.push({ field: field[1]!, default: cells[2]!, meaning: cells[3]! });
  }
  return out;
}

/** The fields the loader accepts at `build(probe)`'s section, from its unknown-field error. */
function accepted(build: (probe: Record<string, unknown>) => unknown): string[] {
  try {
    parseSidecarConfig(build({ zzUnknownProbe: 1 }) as never);
  } catch (e) {
    const m = /unknown field \(expected one of: ([^)]*)\)/.exec((e as Error).message);
    if (m) return m[1]!.split(", ");
    throw e;
  }
  throw new Error("the probe field was accepted");
}

const REPLICATED = { durability: { mode: "replicated" }, replication: { servers: ["nats://127.0.0.1:4222"] } };
/** The loader names the files; they are read when the server is built. */
const TLS_FILES = { certFile: "server.pem", keyFile: "server.key" };
const OWNED = { ...REPLICATED, ownership: { advertisedAddress: "127.0.0.1:50051" } };

/** Each documented table: its heading and index, how to reach its section, and the section as loaded by default. */
const SECTIONS: { heading: string; table?: number; probe: (p: Record<string, unknown>) => unknown; loaded?: () => Record<string, unknown> }[] = [
  { heading: "Top level", probe: (p) => ({ ...p, policies: POLICIES }), loaded: () => parseSidecarConfig({ policies: POLICIES }) as never },
  { heading: "durability", probe: (p) => ({ policies: POLICIES, durability: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).durability as never },
  {
    heading: "replication",
    probe: (p) => ({ policies: POLICIES, ...REPLICATED, replication: { servers: ["nats://127.0.0.1:4222"], ...p } }),
    loaded: () => parseSidecarConfig({ policies: POLICIES, ...REPLICATED }).replication as never,
  },
  {
    heading: "replication",
    table: 1,
    probe: (p) => ({ policies: POLICIES, ...REPLICATED, replication: { servers: ["nats://127.0.0.1:4222"], tls: { caFile: "ca.pem", ...p } } }),
  },
  {
    heading: "replication",
    table: 2,
    probe: (p) => ({ policies: POLICIES, ...REPLICATED, replication: { servers: ["nats://127.0.0.1:4222"], signing: { keyFile: "journal.key", ...p } } }),
    loaded: () => parseSidecarConfig({ policies: POLICIES, ...REPLICATED, replication: { servers: ["nats://127.0.0.1:4222"], signing: { keyFile: "journal.key" } } }).replication!.signing as never,
  },
  { heading: "audit", probe: (p) => ({ policies: POLICIES, audit: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).audit as never },
  { heading: "metrics", probe: (p) => ({ policies: POLICIES, metrics: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).metrics as never },
  { heading: "limits", probe: (p) => ({ policies: POLICIES, limits: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).limits as never },
  { heading: "network", probe: (p) => ({ policies: POLICIES, network: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).network as never },
  { heading: "security", table: 0, probe: (p) => ({ policies: POLICIES, security: p }), loaded: () => parseSidecarConfig({ policies: POLICIES }).security as never },
  {
    heading: "security",
    table: 1,
    probe: (p) => ({ policies: POLICIES, security: { tls: { ...TLS_FILES, ...p } } }),
    loaded: () => parseSidecarConfig({ policies: POLICIES, security: { tls: TLS_FILES } }).security.tls as never,
  },
  { heading: "security", table: 2, probe: (p) => ({ policies: POLICIES, security: { principals: [p] } }) },
  {
    heading: "ownership",
    probe: (p) => ({ policies: POLICIES, ...OWNED, ownership: { advertisedAddress: "127.0.0.1:50051", ...p } }),
    loaded: () => parseSidecarConfig({ policies: POLICIES, ...OWNED }).ownership as never,
  },
];

/** A default cell the loader's value can be compared with: a number (`0 (off)` too) or one literal in backticks. */
function literal(cell: string): string | undefined {
  const n = /^(\d+)(?: \(.*\))?$/.exec(cell);
  if (n) return n[1];
  const l = /^`"?([^`"]+)"?`$/.exec(cell);
  return l?.[1];
}

describe("docs/configuration.md's field tables", () => {
  const docTables = tables();

  it("has a table for every section the loader reads, and no other", () => {
    const documented = [...docTables].flatMap(([heading, ts]) => ts.map((_, i) => `${heading}#${i}`));
    expect(documented.sort()).toEqual(SECTIONS.map((s) => `${s.heading}#${s.table ?? 0}`).sort());
  });

  for (const s of SECTIONS) {
    const name = `${s.heading}${s.table ? ` (table ${s.table + 1})` : ""}`;
    const rows = () => docTables.get(s.heading)?.[s.table ?? 0] ?? [];

    it(`${name}: lists exactly the fields the loader accepts`, () => {
      expect(rows().map((r) => r.field).sort()).toEqual(accepted(s.probe).sort());
    });

    if (s.loaded) {
      it(`${name}: plain defaults are the loader's`, () => {
        const loaded = s.loaded!();
        const checked: string[] = [];
        for (const r of rows()) {
          const expected = literal(r.default);
          const value = loaded[r.field];
          if (expected === undefined || (typeof value === "object" && value !== null) || value === undefined) continue;
          expect({ field: r.field, default: String(value) }).toEqual({ field: r.field, default: expected });
          checked.push(r.field);
        }
        expect(checked.length).toBeGreaterThan(0);
      });

      it(`${name}: a numeric field's documented range A..B is the loader's`, () => {
        const loaded = s.loaded!();
        for (const r of rows()) {
          const range = /(?:^|[\s(;])(\d+)\.\.(\d+)(?=[\s);,]|$)/.exec(r.meaning);
          if (!range || typeof loaded[r.field] !== "number") continue;
          const [lo, hi] = [Number(range[1]), Number(range[2])];
          const loads = (v: number) => {
            try {
              parseSidecarConfig(s.probe({ [r.field]: v }) as never);
              return true;
            } catch {
              return false;
            }
          };
          expect({ field: r.field, lo: loads(lo), hi: loads(hi), below: loads(lo - 1), above: loads(hi + 1) }).toEqual({
            field: r.field,
            lo: true,
            hi: true,
            below: false,
            above: false,
          });
        }
      });
    }
  }
});
