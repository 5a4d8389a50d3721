/** `openpit journal inspect|status|cut DIR`: the journal directory, offline (src/state/journal/journal-cli.ts). */
import { runJournalCli } from "../../state/journal/journal-cli.js";
import type { Command } from "../command.js";

export const JOURNAL: Command = {
  name: "journal",
  positionals: Infinity,
  summary: "a journal directory, offline: inspect (records as JSON lines), status, or cut a damaged one",
  usage: `openpit journal inspect DIR [--from SEQ] [--limit N]
openpit journal status DIR
  read the files only (the sidecar may be running or stopped); exit 1 on a corrupt journal
openpit journal cut DIR --after SEQ
  the sidecar stopped: ends a journal recovery refuses just before its damage, keeping
  records up to SEQ (the record before the damage); what is cut moves to DIR/cut-…/`,
  options: ["from", "limit", "after"],
  connects: false,
  async run({ args, io }) {
    const passed = [...args.positionals];
    for (const name of ["from", "limit", "after"]) for (const v of args.options.get(name) ?? []) passed.push(`--${name}`, v);
    return runJournalCli(passed, io);
  },
};
