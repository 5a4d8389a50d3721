/**
 * The V8 flags the sidecar runs with, read from `npm start` in package.json. The `bench`
 * and `bench:engine` scripts repeat them (a script cannot read another), and a test keeps
 * the three equal; everything else takes them from here. Every process the bench starts (sidecar, echo floor, in-process
 * child) runs with them, so that what is measured is the sidecar as deployed, and the
 * echo floor pays the same collector settings as the sidecar it is compared with.
 *
 * Today they size the young generation: 32 MiB semi-spaces, fixed. Under load V8 otherwise
 * keeps them at 1-2 MiB and collects every 2-3 MB allocated. 16 MiB (session 5) cut that to
 * ~8 scavenges a second at 9 000 orders/s; 32 MiB halves their number while each one copies
 * about as much (what lives through a scavenge is mostly holdings state written since the
 * last one, which grows slowly with the interval): scavenge time per second fell by a
 * third, and the longest pause with it (docs/performance.md, "Session 7").
 *
 * And they let the old generation grow to 4× what survived its last collection before the
 * next one (`--heap-growing-percent=300`: V8's own ceiling for the factor on a host with
 * memory, which it otherwise lowers to ~1.4 for the sidecar, whose collector is fast beside
 * what it promotes). A major
 * collection costs the loop 100–300 ms on one CPU however often it comes (Session 43); at
 * half the capacity it came every 10–20 s, now every ~2 minutes (docs/performance.md,
 * "Session 44"). V8 still caps the limit at halfway from what survived to the heap's maximum;
 * the flag also overrides its smaller factors under memory pressure (docs/operating.md).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_JSON = resolve(dirname(fileURLToPath(import.meta.url)), "../package.json");

/** Where a script's own Node options begin (a loader or a preload): the V8 flags end there. */
const LOADER_OPTION = /^(-r|--(import|require|loader|experimental-loader))(=|$)/;

/**
 * The `--flag[=value]` arguments between the line's last `node` and the first loader option
 * or script after it: every one is passed to the bench's children, so the start line should hold
 * only V8 flags there (an `--inspect=PORT` would make every child bind the same port).
 */
export function v8FlagsOf(script: string): string[] {
  const words = script.split(/\s+/).filter(Boolean);
  // The last `node` of the line is the one that runs the script: `npm start` bundles first
  // (`node scripts/bundle.mjs … && exec node <flags> dist/openpit-sidecar.mjs`).
  const node = words.lastIndexOf("node");
  if (node < 0) throw new Error(`not a node command: ${script}`);
  const flags: string[] = [];
  for (const w of words.slice(node + 1)) {
    if (LOADER_OPTION.test(w) || !w.startsWith("--")) break;
    flags.push(w);
  }
  return flags;
}

/** `npm start`'s V8 flags. */
export function sidecarV8Flags(): string[] {
  const scripts = (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { scripts: Record<string, string> }).scripts;
  return v8FlagsOf(scripts.start ?? "");
}

/** `OPENPIT_PROBE_SIDECAR_ARGS="--flag …"`: more Node/V8 flags for a probe's sidecar only (latency-probe.ts, tail-probe.ts). */
export function probeSidecarArgs(): string[] {
  return process.env.OPENPIT_PROBE_SIDECAR_ARGS?.split(" ").filter(Boolean) ?? [];
}
