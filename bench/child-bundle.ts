/**
 * The bench runs every process it forks as `npm start` runs the sidecar: from a bundle made by
 * scripts/bundle.mjs, without tsx. The sidecar is measured as deployed, and the echo floor and
 * the generator pay no loader the sidecar does not (docs/performance.md, "Session 46").
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** The bundle made for each script, once per bench process. */
const bundles = new Map<string, string>();

/**
 * `script` (a TypeScript file in `<checkout>/bench/`) bundled into `<checkout>/dist/bench-NAME.mjs`,
 * beside `npm start`'s bundle, so that a module that finds files from its own place
 * (`../package.json`, the console's `./static/`) finds them as in the sidecar's bundle. A
 * checkout older than the bundler (an A/B probe's `root`) has none: `undefined`, and its
 * script runs under tsx as it did.
 */
export function childBundle(script: string): string | undefined {
  const known = bundles.get(script);
  if (known) return known;
  const checkout = resolve(dirname(script), "..");
  const bundler = join(checkout, "scripts/bundle.mjs");
  if (!existsSync(bundler)) return undefined;
  const outfile = join(checkout, "dist", `bench-${basename(script).replace(/\.[cm]?ts$/, "")}.mjs`);
  execFileSync(process.execPath, [bundler, script, outfile], { stdio: ["ignore", "inherit", "inherit"] });
  bundles.set(script, outfile);
  return outfile;
}
