/**
 * Found by review: docs/durability.md, "a record that reads back but cannot be replayed stops
 * the start naming its file, offset and sequence". A record whose command kind this build
 * does not know (a newer version's, read after a downgrade; a foreign record) decoded as
 * plain data and then ran as nothing: the start succeeded with an acknowledged command
 * dropped. The codec now refuses such a record, and recovery stops on it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import { encodeCommand } from "../../src/state/command-codec.js";
import type { Command } from "../../src/state/commands.js";
import { durableConfig, startState } from "./durable-state.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function journalWith(command: unknown): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "openpit-unknown-kind-"));
  dirs.push(dataDir);
  const { state } = await startState(durableConfig(dataDir));
  await state.journal.close();
  fs.rmSync(path.join(dataDir, "LOCK"), { force: true });
  const j = FileJournal.open({ dataDir, mode: "sync", segmentBytes: 4096 });
  j.append(encodeCommand(command as Command));
  await j.flush();
  await j.close();
  return dataDir;
}

/** How the start ended: its error message, or "started" (the journal closed again). */
async function start(dataDir: string): Promise<string> {
  try {
    const { state } = await startState(durableConfig(dataDir));
    await state.journal.close();
    return "started";
  } catch (e) {
    return (e as Error).message;
  }
}

const RECORD = /^journal-\d+\.seg offset \d+: record \d+ cannot be replayed: /;

it("a record of an unknown command kind stops the start, naming it", async () => {
  const dataDir = await journalWith({ kind: "retireAccounts", accountIds: [5n], ts: 2_000 });
  const outcome = await start(dataDir);
  expect(outcome).toMatch(RECORD);
  expect(outcome).toMatch(/cannot be replayed: journal record of a command this version does not know: kind 'retireAccounts'$/);
});

it("an admin record of an unknown admin command kind stops the start, naming it", async () => {
  const dataDir = await journalWith({ kind: "admin", command: { kind: "blockAccounts", accountIds: [5n], reason: "x" }, actor: "ops", ts: 2_000 });
  expect(await start(dataDir)).toMatch(/cannot be replayed: journal record of a command this version does not know: admin kind 'blockAccounts'$/);
});

it("a channel message with a command of an unknown kind stops the start, naming it", async () => {
  // A command of another shape travels as ["g", plain] inside the channel record.
  const dataDir = await journalWith({ kind: "channel", channel: 1n, commands: [{ kind: "amend", reservationId: 3n }], ts: 2_000 });
  expect(await start(dataDir)).toMatch(/cannot be replayed: journal channel command this version does not know: kind 'amend'$/);
});
