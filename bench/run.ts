/**
 * `npm run bench [-- --quick] [--json] [--profile [dir]] [--soak-seconds N] [--replay-records N]`: the load
 * harness. Prints a progress line on stderr while it runs, then the report (text on
 * stdout; with --json the JSON goes to stdout and the text to stderr). Exits non-zero if
 * the oracle found a mismatch or the run failed; missed performance targets are reported,
 * not fatal.
 */
import { runBench } from "./harness.js";
import { parseArgs } from "./options.js";
import { stderrProgress } from "./progress.js";
import { buildReport, formatReport } from "./report.js";

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const report = buildReport(await runBench(options, stderrProgress()));
  if (options.json) {
    process.stderr.write(formatReport(report));
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(formatReport(report));
  }
  if (options.profileDir) {
    process.stderr.write(`sidecar CPU profiles written to ${options.profileDir}/ (the largest is the main thread), a recovery's to ${options.profileDir}/replay/;\n`);
    process.stderr.write(`summarise one with: npx tsx bench/profile-top.ts <file.cpuprofile>\n`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`\nbench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
