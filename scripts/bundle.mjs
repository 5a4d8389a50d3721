/**
 * Bundles one entry (the sidecar's `src/main.ts`, or a bench child) and everything it imports
 * into a single ES module that plain `node` runs: `node scripts/bundle.mjs ENTRY OUTFILE`.
 * `npm start` runs it before every start, so the bundle is always the sources as they are.
 *
 * Why a bundle and not `node --import tsx`: the process then holds one module instead of ~500
 * transpiled ones and none of tsx's loader, and starts in 0.4 s instead of 2 s with half the
 * memory (docs/performance.md, "Session 46"): a restart after a crash, or a standby's start, is
 * that much shorter. (Its heap under load holds a sixth fewer objects, 300 000 instead of
 * 360 000, though a full collection measured no shorter for it.)
 *
 * Plain JavaScript (not TypeScript) so that it runs without a loader. It writes each output to
 * a temporary name and renames it, so two starts from one checkout never run a half-written
 * bundle, and copies the console's static files beside the bundle, where the console route
 * looks for them (`./static/` next to its module).
 */
import { build } from "esbuild";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONSOLE_STATIC = join(REPO_ROOT, "src/server/console/static");

/**
 * CommonJS packages bundled into an ES module still call `require` for Node's own modules
 * (grpc-js, pino); an ES module has none, so the bundle makes one for them.
 */
const REQUIRE_SHIM = 'import { createRequire as __openpitCreateRequire } from "node:module";\nconst require = __openpitCreateRequire(import.meta.url);';

/**
 * Writes `contents` to `path` whole or not at all (a temporary name, then a rename). The name is
 * random, not the pid: two containers sharing one checkout may both be pid 2 (found by review,
 * session 46: one start's rename took the other's file, and it failed).
 */
function writeWhole(path, contents) {
  const temporary = `${path}.${randomBytes(8).toString("hex")}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Bundles `entry` into `outfile` (and `outfile.map`); the console's static files go to `static/` beside it. */
export async function bundle(entry, outfile) {
  const out = resolve(outfile);
  mkdirSync(dirname(out), { recursive: true });
  const result = await build({
    entryPoints: [resolve(entry)],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Class and function names as written: errors and messages name them (`policy.constructor.name`).
    keepNames: true,
    // A map beside the bundle, read only when asked (`NODE_OPTIONS=--enable-source-maps`):
    // a map loaded at every start is thousands more objects for each collection to mark.
    sourcemap: "linked",
    banner: { js: REQUIRE_SHIM },
    write: false,
    logLevel: "warning",
  });
  for (const file of result.outputFiles) writeWhole(file.path, file.contents);
  const staticDir = join(dirname(out), "static");
  mkdirSync(staticDir, { recursive: true });
  for (const name of readdirSync(CONSOLE_STATIC)) writeWhole(join(staticDir, name), readFileSync(join(CONSOLE_STATIC, name)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    process.stderr.write(`usage: node scripts/${basename(fileURLToPath(import.meta.url))} ENTRY OUTFILE\n`);
    process.exit(2);
  }
  try {
    await bundle(entry, outfile);
  } catch (e) {
    // As the sidecar says a start that failed (exit 70, EX_SOFTWARE; docs/configuration.md):
    // a checkout it cannot write to, or sources that do not build (esbuild printed where).
    process.stderr.write(`openpit-sidecar: cannot start: cannot bundle ${entry} into ${outfile}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(70);
  }
}
