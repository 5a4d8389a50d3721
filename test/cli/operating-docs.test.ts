/**
 * docs/operating.md's CLI reference against the commands: the Connection table lists exactly
 * the connection options, the Commands table names every command (and no other), and every
 * `--option` a row shows is one that command takes.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/run-cli.js";
import { CONNECTION_OPTIONS } from "../../src/cli/connection.js";

const DOC = readFileSync(new URL("../../docs/operating.md", import.meta.url), "utf8");

/** The first cells of the table under `### heading`. */
function firstCells(heading: string): string[] {
  const at = DOC.indexOf(`### ${heading}\n`);
  const rest = DOC.slice(at + 1);
  const section = rest.slice(0, rest.search(/\n#{2,3} /));
  return section
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("|---"))
    .slice(1)
    .map((l) => l.split(/(?<!\\)\|/)[1]!.trim());
}

describe("docs/operating.md's CLI reference", () => {
  it("lists exactly the connection options", () => {
    const documented = firstCells("Connection").flatMap((c) => [...c.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!));
    // --config is the server's file, read for its listen address (the --target row says so).
    expect(new Set([...documented, "config"])).toEqual(new Set(CONNECTION_OPTIONS));
  });

  it("lists every command, each with options it takes", () => {
    const rows = firstCells("Commands");
    const named = new Set(rows.flatMap((c) => [...c.matchAll(/`([a-z]+)/g)].map((m) => m[1]!)));
    expect(named).toEqual(new Set(COMMANDS.map((c) => c.name)));
    for (const row of rows) {
      for (const usage of row.matchAll(/`([a-z]+)([^`]*)`/g)) {
        const command = COMMANDS.find((c) => c.name === usage[1])!;
        const takes = new Set([...(command.options ?? []), ...(command.flags ?? [])]);
        const shown = [...usage[2]!.matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
        expect({ command: command.name, unknown: shown.filter((o) => !takes.has(o)) }).toEqual({ command: command.name, unknown: [] });
      }
    }
  });
});
