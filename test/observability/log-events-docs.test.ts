/**
 * docs/observability.md's Logs table against the sources: every `event` it lists is a name
 * the code writes, and every `event: "…"` the code writes is listed (soft-limit-log.test.ts
 * checks the lines a live sidecar writes; this catches the ones no test provokes, such as
 * the failover and fail-closed lines).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const DOC = readFileSync(new URL("../../docs/observability.md", import.meta.url), "utf8");
/** The fallback for an account event kind added later without a line of its own: never written for today's kinds. */
const UNLISTED = new Set(["account_event"]);

function documented(): Set<string> {
  const names = new Set<string>();
  for (const line of DOC.slice(DOC.indexOf("## Logs")).split("\n")) {
    if (!line.startsWith("| `")) continue;
    for (const m of line.split("|")[1]!.matchAll(/`([a-z_]+)`/g)) names.add(m[1]!);
  }
  return names;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [readFileSync(join(dir, e.name), "utf8")] : [],
  );
}

describe("docs/observability.md's Logs table", () => {
  const src = sources("src").join("\n");

  // `event: "drain", listener` is a stream's type signature, not a log line.
  it("lists every event name the code logs", () => {
    const logged = new Set([...src.matchAll(/\bevent: "([a-z_]+)"(?!,\s*listener)/g)].map((m) => m[1]!));
    expect([...logged].filter((e) => !documented().has(e) && !UNLISTED.has(e)).sort()).toEqual([]);
  });

  it("lists no event name the code never writes", () => {
    expect([...documented()].filter((e) => !src.includes(`"${e}"`)).sort()).toEqual([]);
  });
});
