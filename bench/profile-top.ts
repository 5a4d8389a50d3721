/**
 * `npx tsx bench/profile-top.ts <file.cpuprofile> [N]`: where a V8 CPU profile (written
 * by `npm run bench -- --profile`) spends its time — self time per area of the code
 * (our engine/policies/server, generated code, protobuf-es, grpc-js, Node internals, GC,
 * idle), the top N functions by self time, and the top N of our own functions (src/) by
 * inclusive time (self plus everything they call), which shows which command path is
 * expensive rather than which leaf.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const AREAS: [RegExp, string][] = [
  [/\/src\/engine\//, "src/engine"],
  [/\/src\/policies\//, "src/policies"],
  [/\/src\/(param|model|marketdata)\//, "src/param+model+marketdata"],
  [/\/src\/server\//, "src/server"],
  [/\/gen\//, "gen (generated)"],
  [/@bufbuild\/protobuf/, "protobuf-es"],
  [/@grpc\/grpc-js/, "grpc-js"],
  [/decimal\.js/, "decimal.js"],
  [/tsx|esbuild/, "tsx loader"],
  [/^node:|^internal\//, "node internals"],
];

function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith("(") ? functionName : "native/builtin";
  return AREAS.find(([re]) => re.test(url))?.[1] ?? "other js";
}

function main(): void {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) throw new Error("usage: tsx bench/profile-top.ts <file.cpuprofile> [N]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const area = areaOf(node);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"}  ${f.url.replace(/^.*\/(node_modules|work\/main)\//, "")}:${f.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!/\/src\//.test(f.url) || /node_modules/.test(f.url)) continue;
      const key = `${f.functionName || "(anonymous)"}  ${f.url.replace(/^.*\/work\/main\//, "").replace(/^.*\/src\//, "src/")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  console.log(`total ${(total / 1e6).toFixed(2)} s sampled\n\nby area (self time):`);
  for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${area}`);
  console.log(`\ntop ${n} functions (self time):`);
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(us)}  ${name}`);
  console.log(`\ntop ${n} of our functions (inclusive time):`);
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(us)}  ${name}`);
}

main();
