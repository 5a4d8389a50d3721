/**
 * Bytes a process allocates on the V8 heap, counted exactly from its garbage collections.
 *
 * Node 20 has no "total allocated bytes" counter, and `heapUsed` deltas alone are wrong
 * (every collection frees). But between two collections nothing is freed, so the heap
 * only grows by what is allocated: with `v8.GCProfiler`, which records the used heap
 * before and after every collection,
 *
 *   allocated = Σ (used before GC i − used after GC i−1) + (used now − used after the last GC)
 *
 * starting from the used heap when the meter (re)started. This counts every JavaScript
 * object, string and array of the process (transport included); Buffer contents live
 * outside the V8 heap and are not counted (their JS wrappers are). The profiler can only
 * be read by stopping it, so a reading stops and restarts it; what the reading itself
 * allocates falls between the two and is not counted.
 *
 * Where the bytes come from is a second, sampled measurement (`startAllocationSampling`):
 * V8's sampling heap profiler with objects collected by minor and major GCs kept, so the
 * profile is of everything allocated, not of what survived.
 */
import { sourceFrame } from "./bundle-frames.js";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import v8 from "node:v8";

interface GcHeap {
  readonly heapStatistics: { readonly usedHeapSize: number };
}
interface GcProfile {
  readonly statistics: readonly { readonly beforeGC: GcHeap; readonly afterGC: GcHeap }[];
}

const usedNow = () => v8.getHeapStatistics().used_heap_size;

let profiler: v8.GCProfiler | undefined;
let baseline = 0;
let total = 0;

function restart(): void {
  profiler = new v8.GCProfiler();
  profiler.start();
  baseline = usedNow();
}

/** Starts counting (idempotent). */
export function startAllocationMeter(): void {
  if (!profiler) restart();
}

/** Bytes allocated since `startAllocationMeter`, cumulative. */
export function allocatedBytes(): number {
  if (!profiler) return 0;
  const now = usedNow();
  const data = profiler.stop() as unknown as GcProfile;
  let previous = baseline;
  for (const gc of data.statistics) {
    total += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - previous);
    previous = gc.afterGC.heapStatistics.usedHeapSize;
  }
  total += Math.max(0, now - previous);
  restart();
  return total;
}

interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber?: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

/** One row of the sampled profile: estimated bytes allocated in a function (self). */
export interface AllocationSite {
  readonly site: string;
  readonly bytes: number;
}

export interface AllocationProfile {
  /** The profile's own estimate of the total, to compare with the exact count. */
  readonly sampledBytes: number;
  readonly byArea: readonly AllocationSite[];
  readonly topFunctions: readonly AllocationSite[];
}

let session: Session | undefined;

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session!.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))));
}

/** Whether the running sampling keeps only what minor GCs did not collect. */
let survivorsOnly = false;

/**
 * Every 4 KiB allocated on average is sampled: cheap, and enough over thousands of orders.
 * With `survivors`, samples of objects a minor GC collected are dropped, and a last minor
 * GC runs before the profile is read, so that what was allocated since the last scavenge
 * does not count: the profile is of what was promoted (or is still live), the bytes that
 * make scavenges long and old-space collections frequent, rather than of everything
 * allocated. Objects copied once and collected by the next scavenge are not in it, though
 * copying them was part of a scavenge's cost; young garbage that a full collection swept
 * is (few: the open loop runs ~1 full collection per 10 s).
 */
export async function startAllocationSampling(intervalBytes = 4096, survivors = false): Promise<void> {
  if (!session) {
    session = new Session();
    session.connect();
    await post("HeapProfiler.enable");
  }
  survivorsOnly = survivors;
  await post("HeapProfiler.startSampling", { samplingInterval: intervalBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
}

const AREAS: [RegExp, string][] = [
  [/\/src\/transport\/wire\//, "src/transport/wire (hand codecs)"],
  [/\/src\/server\/codec\//, "src/server/codec"],
  [/\/src\/server\//, "src/server (services)"],
  [/\/src\/state\//, "src/state (door, channels)"],
  [/\/src\/engine\//, "src/engine"],
  [/\/src\/policies\//, "src/policies"],
  [/\/src\/(param|model|marketdata)\//, "src/param+model+marketdata"],
  [/\/gen\//, "gen (generated)"],
  [/@bufbuild\/protobuf/, "protobuf-es"],
  [/@grpc\/grpc-js/, "grpc-js"],
  [/decimal\.js/, "decimal.js"],
  [/\/bench\//, "bench (IPC, meter)"],
  [/^node:|^internal\//, "node internals (http2, streams, timers)"],
];

function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : `native: ${functionName || "(anonymous)"}`;
  return AREAS.find(([re]) => re.test(url))?.[1] ?? "other js";
}

const shortUrl = (url: string) => url.replace(/^.*\/(node_modules|src|bench|gen)\//, "$1/").replace(/^file:\/\//, "");

export async function stopAllocationSampling(top = Number(process.env.ALLOC_TOP ?? 25)): Promise<AllocationProfile> {
  // The bench's children run with --expose-gc (ipc.ts); V8's gc() takes `{ type: "minor" }`.
  if (survivorsOnly) (globalThis as { gc?: (o: { type: string }) => void }).gc?.({ type: "minor" });
  const { profile } = await post<{ profile: { head: SamplingNode } }>("HeapProfiler.stopSampling");
  // For digging further (inclusive sizes, call paths): the raw profile, when asked for.
  if (process.env.ALLOC_PROFILE_DIR) writeFileSync(`${process.env.ALLOC_PROFILE_DIR}/alloc-${Date.now()}.heapprofile`, JSON.stringify(profile));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampled = 0;
  const walk = (n: SamplingNode): void => {
    if (n.selfSize > 0) {
      // A bundled process's frames, put back in their source files (bundle-frames.ts).
      const f = sourceFrame({ ...n.callFrame });
      sampled += n.selfSize;
      const area = areaOf(f.url, f.functionName);
      byArea.set(area, (byArea.get(area) ?? 0) + n.selfSize);
      const key = `${f.functionName || "(anonymous)"}  ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ""}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + n.selfSize);
    }
    n.children.forEach(walk);
  };
  walk(profile.head);
  const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([site, bytes]) => ({ site, bytes }));
  return { sampledBytes: sampled, byArea: rows(byArea, Infinity), topFunctions: rows(byFunction, top) };
}
