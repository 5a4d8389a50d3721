/**
 * A profile of a process run from a bundle (scripts/bundle.mjs: `npm start`, and every bench
 * child since Session 46) names one file for every function. The bench's breakdowns go by source
 * file (src/engine, grpc-js, …), so a frame of a bundle is put back where its code was written,
 * through the source map the bundler writes beside it (`FILE.mjs.map`). A frame of anything else,
 * or one the map does not cover, stays as it is.
 */
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

/** The source map of each bundle seen (undefined: none beside it). */
const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();

function mapOf(url: string): { map: SourceMap; dir: string } | undefined {
  if (maps.has(url)) return maps.get(url);
  let found: { map: SourceMap; dir: string } | undefined;
  if (url.startsWith("file://") && url.endsWith(".mjs")) {
    const file = fileURLToPath(url);
    if (existsSync(`${file}.map`)) found = { map: new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8"))), dir: dirname(file) };
  }
  maps.set(url, found);
  return found;
}

/** `frame` with its url and line those of the source it was bundled from (in place; zero-based lines, as V8's). */
export function sourceFrame<F extends Frame>(frame: F): F {
  const bundle = frame.url ? mapOf(frame.url) : undefined;
  if (!bundle || frame.columnNumber === undefined || frame.lineNumber < 0) return frame;
  const entry = bundle.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
  if (entry.originalSource === undefined || entry.originalLine === undefined) return frame;
  // esbuild names sources relative to the map's directory (`../src/engine/engine.ts`).
  frame.url = entry.originalSource.startsWith("file://") ? entry.originalSource : pathToFileURL(resolve(bundle.dir, entry.originalSource)).href;
  frame.lineNumber = entry.originalLine;
  return frame;
}
