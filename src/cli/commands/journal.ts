/** `openpit journal inspect|status DIR`: the journal directory, read offline (src/state/journal/journal-cli.ts). */
import { runJournalCli } from "../../state/journal/journal-cli.js";
import type { Command } from "../command.js";

export const JOURNAL: Command = {
  name: "journal",
  summary: "read a journal directory offline: inspect (records as JSON lines) or status",
  usage: `openpit journal inspect DIR [--from SEQ] [--limit N]
openpit journal status DIR
  reads the files only (the sidecar may be running or stopped); exit 1 on a corrupt journal`,
  options: ["from", "limit"],
  connects: false,
  async run({ args, io }) {
    const passed = [...args.positionals];
    for (const name of ["from", "limit"]) for (const v of args.options.get(name) ?? []) passed.push(`--${name}`, v);
    return runJournalCli(passed, io);
  },
};
