/**
 * Reading V8 CPU profiles (`--cpu-prof`): self time by area of the code, the top functions
 * by self time, our own functions by inclusive time, and — for a profile of a recovery —
 * where the replay's time goes (reading, JSON.parse, the record decode, the engine, GC).
 * `bench/profile-top.ts` prints these for a file; the durability section uses the replay
 * split in its report.
 */
import { readFileSync } from "node:fs";
import { sourceFrame } from "./bundle-frames.js";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function readProfile(file: string): CpuProfile {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  // A bundled process's frames, put back in their source files (bundle-frames.ts).
  for (const node of profile.nodes) sourceFrame(node.callFrame);
  return profile;
}

const AREAS: [RegExp, string][] = [
  [/\/src\/engine\//, "src/engine"],
  [/\/src\/policies\//, "src/policies"],
  [/\/src\/(param|model|marketdata)\//, "src/param+model+marketdata"],
  [/\/src\/state\/journal\//, "src/state/journal"],
  [/\/src\/state\/plain-data/, "src/state/plain-data"],
  [/\/src\/state\//, "src/state"],
  [/\/src\/server\//, "src/server"],
  [/\/gen\//, "gen (generated)"],
  [/\/bench\//, "bench"],
  [/@bufbuild\/protobuf/, "protobuf-es"],
  [/@grpc\/grpc-js/, "grpc-js"],
  [/decimal\.js/, "decimal.js"],
  [/tsx|esbuild/, "tsx loader"],
  [/^node:|^internal\//, "node internals"],
];

export function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) {
    if (functionName === "parse") return "JSON.parse";
    if (functionName === "stringify") return "JSON.stringify";
    return functionName.startsWith("(") ? functionName : "native/builtin";
  }
  return AREAS.find(([re]) => re.test(url))?.[1] ?? "other js";
}

const shortUrl = (url: string) => url.replace(/^.*\/(node_modules|work\/main)\//, "").replace(/^file:\/\//, "");
const functionKey = (node: ProfileNode) => {
  const f = node.callFrame;
  return `${f.functionName || "(anonymous)"}  ${shortUrl(f.url)}:${f.lineNumber + 1}`;
};

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byArea: readonly (readonly [string, number])[];
  readonly topSelf: readonly (readonly [string, number])[];
  readonly topInclusiveOurs: readonly (readonly [string, number])[];
}

const sortedMs = (m: Map<string, number>, n = Infinity) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, us / 1000] as const);

export function summarizeProfile(profile: CpuProfile, n = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    total += us;
    const area = areaOf(node);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const key = functionKey(node);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const parent = parentsOf(profile);
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
  return { totalMs: total / 1000, byArea: sortedMs(byArea), topSelf: sortedMs(byFunction, n), topInclusiveOurs: sortedMs(inclusive, n) };
}

function parentsOf(profile: CpuProfile): Map<number, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  return parent;
}

// ---- the replay split ------------------------------------------------------------------

/** The buckets of a recovery's time, innermost first (see `replaySplit`). */
export const REPLAY_BUCKETS = [
  "reading: segment reads, frame scan, CRC",
  "TextDecoder + JSON.parse (the decoder's own time)",
  "JSON.parse",
  "record decode: JSON → domain values (decimals, BigInt, locks)",
  "door: replay bookkeeping",
  "engine: src/engine",
  "engine: src/policies",
  "engine: src/param+model+marketdata",
  "engine: src/state (channels, handles, pins)",
  "engine: builtins and other",
  "recovery: journal open, rest",
  "GC",
  "V8 (program)",
] as const;

export type ReplayBucket = (typeof REPLAY_BUCKETS)[number];

export interface ReplaySplit {
  /** Sampled time from the first to the last sample inside `recoverState`, GC included. */
  readonly totalMs: number;
  readonly buckets: readonly { readonly bucket: ReplayBucket; readonly ms: number; readonly share: number }[];
  /** The most expensive functions (self time) inside that window. */
  readonly topSelf: readonly { readonly fn: string; readonly ms: number; readonly share: number }[];
}

type Marker = "decodeValues" | "decodeEntry" | "execute" | "replay" | "reading" | "recoverState";

/** The record codec: `decodeCommand` (command-codec.ts) or, before it, `decodePlain` (plain-data.ts). */
const DECODE_ENTRIES = new Set(["decodeCommand", "decodePlain"]);

function markerOf(node: ProfileNode): Marker | undefined {
  const { functionName: fn, url } = node.callFrame;
  if (url.endsWith("/src/state/command-codec.ts") || url.endsWith("/src/state/plain-data.ts")) {
    return DECODE_ENTRIES.has(fn) ? "decodeEntry" : "decodeValues";
  }
  if (url.endsWith("/src/state/sidecar-state.ts")) {
    if (fn === "execute") return "execute";
    if (fn === "replay") return "replay";
  }
  if (url.endsWith("/src/state/journal/segment-scan.ts") || url.endsWith("/src/state/journal/journal-reader.ts")) return "reading";
  if (url.endsWith("/src/state/recovery.ts") && fn === "recoverState") return "recoverState";
  return undefined;
}

function engineBucket(leaf: ProfileNode): ReplayBucket {
  const area = areaOf(leaf);
  if (area === "src/engine") return "engine: src/engine";
  if (area === "src/policies") return "engine: src/policies";
  if (area === "src/param+model+marketdata") return "engine: src/param+model+marketdata";
  if (area === "src/state") return "engine: src/state (channels, handles, pins)";
  return "engine: builtins and other";
}

/**
 * Attributes every sample taken while `recoverState` ran to one bucket, by the innermost
 * marker function on its stack: inside the record codec's helpers (command-codec.ts,
 * plain-data.ts) → record decode; the JSON.parse builtin → JSON.parse when the profile shows
 * it as a frame (V8 usually charges it, and the TextDecoder, to the caller: then they are
 * the decoder entry's — `decodeCommand`'s — own time); inside the door's `execute` → the
 * engine (split by the leaf's area); the rest of `replay` → bookkeeping; `scanSegment` /
 * `readJournal` outside the replay → reading; GC and V8 samples by their pseudo-frames.
 * Returns undefined when the profile holds no recovery.
 */
export function replaySplit(profile: CpuProfile, topN = 12): ReplaySplit | undefined {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = parentsOf(profile);
  const bucketOf = new Map<number, ReplayBucket | "outside">();
  const classify = (id: number): ReplayBucket | "outside" => {
    const known = bucketOf.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id)!;
    let bucket: ReplayBucket | "outside" = "outside";
    if (leaf.callFrame.functionName === "(garbage collector)") bucket = "GC";
    else if (leaf.callFrame.functionName === "(program)") bucket = "V8 (program)";
    else {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = byId.get(at)!;
        if (at === id && node.callFrame.url === "" && node.callFrame.functionName === "parse") {
          bucket = "JSON.parse";
          break;
        }
        const m = markerOf(node);
        if (m === undefined) continue;
        bucket =
          m === "decodeValues" ? "record decode: JSON → domain values (decimals, BigInt, locks)"
          : m === "decodeEntry" ? "TextDecoder + JSON.parse (the decoder's own time)"
          : m === "execute" ? engineBucket(leaf)
          : m === "replay" ? "door: replay bookkeeping"
          : m === "reading" ? "reading: segment reads, frame scan, CRC"
          : "recovery: journal open, rest";
        break;
      }
    }
    bucketOf.set(id, bucket);
    return bucket;
  };
  // A sample is "inside" when its stack holds recoverState; the window runs from the first
  // such sample to the last, so GC and V8 samples in between are counted too.
  const insideRecovery = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (markerOf(byId.get(at)!) === "recoverState") return true;
    return false;
  };
  const inside = new Map<number, boolean>();
  const isInside = (id: number) => inside.get(id) ?? (inside.set(id, insideRecovery(id)), inside.get(id)!);
  let first = -1;
  let last = -1;
  profile.samples.forEach((id, i) => {
    if (isInside(id)) {
      if (first < 0) first = i;
      last = i;
    }
  });
  if (first < 0) return undefined;
  const us = new Map<ReplayBucket, number>();
  const selfUs = new Map<string, number>();
  let total = 0;
  for (let i = first; i <= last; i++) {
    const id = profile.samples[i]!;
    // A sample's delta is the time before it; the first one in the window has no interval in it.
    const dt = i === first ? 0 : (profile.timeDeltas[i] ?? 0);
    let b = classify(id);
    if (b === "outside") b = "V8 (program)";
    us.set(b, (us.get(b) ?? 0) + dt);
    const key = functionKey(byId.get(id)!);
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    total += dt;
  }
  return {
    totalMs: total / 1000,
    buckets: REPLAY_BUCKETS.map((bucket) => ({ bucket, ms: (us.get(bucket) ?? 0) / 1000, share: (us.get(bucket) ?? 0) / total })),
    topSelf: [...selfUs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([fn, t]) => ({ fn, ms: t / 1000, share: t / total })),
  };
}
