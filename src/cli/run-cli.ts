/**
 * `openpit`: the operator CLI (docs/operating.md). Each command is a file in commands/;
 * this file finds the command, parses its options and turns failures into lines that
 * say what to do. Exit codes: 0 ok, 1 the call failed, 2 usage error, 3 the change was
 * applied but reading its result failed.
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { VERSION } from "../version.js";
import { parseArgs, UsageError } from "./args.js";
import { commandContext, type Command, type CommandContext } from "./command.js";
import { CONNECTION_OPTIONS, CONNECTION_USAGE, explainError, NEVER_PICKED, targetOf } from "./connection.js";
import { printable, type CliIo } from "./output.js";
import { ACCOUNTS } from "./commands/accounts.js";
import { AUDIT } from "./commands/audit.js";
import { BLOCK, UNBLOCK } from "./commands/block.js";
import { CHANNELS } from "./commands/channels.js";
import { CONFIGURE } from "./commands/configure.js";
import { EVENTS } from "./commands/events.js";
import { GROUPS } from "./commands/groups.js";
import { JOURNAL } from "./commands/journal.js";
import { POLICIES } from "./commands/policies.js";
import { STATE } from "./commands/state.js";
import { STATUS } from "./commands/status.js";

export const COMMANDS: readonly Command[] = [STATUS, ACCOUNTS, STATE, BLOCK, UNBLOCK, GROUPS, CHANNELS, POLICIES, CONFIGURE, EVENTS, AUDIT, JOURNAL];

const GLOBAL_FLAGS = ["json", "help", "version"];
/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;
/**
 * The exit code of a change the sidecar applied and answered whose result the CLI then could
 * not read (the read after it failed). Not 0: nothing was printed on stdout for a script to
 * parse. Not 1: that says the sidecar refused or could not be reached, i.e. nothing changed,
 * the reverse of what happened (found by review).
 */
const APPLIED_UNREAD = 3;

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: openpit COMMAND [ARGS] [--json] [connection options]
       openpit COMMAND --help | openpit --version

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

${CONNECTION_USAGE}
  --json                 machine-readable output (protobuf JSON: ids and decimals as strings)
exit: 0 ok, 1 the sidecar refused or could not be reached, 2 usage error,
      3 the change was applied but reading its result failed
`;
}

/** The command's name: the first argument that is neither an option nor an option's value. */
function commandName(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) return a;
    if (!a.includes("=") && CONNECTION_OPTIONS.includes(a.slice(2))) i++;
  }
  return undefined;
}

/** Where the operator sees whether a change applied (`: check with '...'`), if the command says. */
function checkText(command: Command, ctx: CommandContext): string {
  return command.checkWith ? `: check with '${command.checkWith(ctx.args)}'` : "";
}

/**
 * What an interrupt left unknown: once a state-changing call was sent, the sidecar may have
 * applied it though no answer came, and exiting 130 alone would read as "nothing happened".
 */
function interruptedChange(command: Command, ctx: CommandContext): string {
  if (ctx.changeApplied !== undefined) return ` after ${ctx.changeApplied} was applied (the sidecar answered), while reading the result${checkText(command, ctx)}`;
  if (ctx.changeSent === undefined) return "";
  return ` after ${ctx.changeSent} was sent; the change may be in effect${checkText(command, ctx)}`;
}

/**
 * What a failed call left unknown, as after an interrupt: a change sent whose call then ran
 * out of time (DEADLINE_EXCEEDED is the client giving up, not the sidecar refusing) or was
 * cut (UNAVAILABLE, CANCELLED) may have been applied. "No answer in time" alone read as
 * "nothing happened": after `unblock 42` the operator took the account as still blocked.
 * Not when the connection was never made (NEVER_CONNECTED), nor when the deadline passed
 * before any connection took the call (NEVER_PICKED): nothing was sent.
 */
/**
 * grpc-js's words for a call that never reached a server: no connection, a target that did not
 * resolve or parse, a refused connect (found by review, session 30: a target that did not resolve was
 * reported as "cannot connect" and "was sent" on one line).
 */
const NEVER_CONNECTED = /No connection established|Name resolution failed|Failed to parse|ECONNREFUSED/i;

/**
 * The sidecar's own UNAVAILABLE for a change it refused before running it (its trailer
 * `openpit-error-kind`): recovering, or shutting down. Taken as "may be in effect", it told an
 * operator whose emergency block a stopping sidecar had refused to check, with a command
 * that failed too, and the account came back unblocked after the restart (found by review,
 * session 36).
 */
const REFUSED_BEFORE_RUNNING = new Set(["RECOVERING", "SHUTTING_DOWN"]);

function failedChange(command: Command, ctx: CommandContext, e: unknown): string {
  if (ctx.changeSent === undefined) return "";
  const se = e as Partial<ServiceError>;
  const kind = se.metadata instanceof Metadata ? se.metadata.get("openpit-error-kind")[0] : undefined;
  const inDoubt =
    (se.code === status.DEADLINE_EXCEEDED && !NEVER_PICKED.test(se.details ?? se.message ?? "")) ||
    se.code === status.CANCELLED ||
    (se.code === status.UNAVAILABLE && !NEVER_CONNECTED.test(se.details ?? se.message ?? "") && !REFUSED_BEFORE_RUNNING.has(String(kind)));
  if (!inDoubt) return "";
  return `; ${ctx.changeSent} was sent, so the change may be in effect${checkText(command, ctx)}`;
}

/**
 * Runs `openpit` on `argv` (without node and the script); resolves with the exit code.
 * `interrupted` resolves on Ctrl-C (streaming commands end then).
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  env: Readonly<Record<string, string | undefined>> = process.env,
  interrupted: Promise<void> = new Promise(() => {}),
): Promise<number> {
  const name = commandName(argv);
  if (argv.includes("--version") && name === undefined) {
    io.out(`openpit ${VERSION}\n`);
    return 0;
  }
  if (name === undefined || name === "help") {
    // The topic is the next word after `help` that is not an option (`help --help` is the usage).
    const asked = name === "help" ? commandName(argv.slice(argv.indexOf("help") + 1)) : undefined;
    const topic = asked === undefined ? undefined : COMMANDS.find((c) => c.name === asked);
    // `help nosuch` is a usage error, as `nosuch` is: it printed the general usage and exited 0.
    if (asked !== undefined && asked !== "help" && topic === undefined) {
      io.err(`openpit help: unknown command '${printable(asked)}'\n${usage()}`);
      return 2;
    }
    (name === undefined && !argv.includes("--help") ? io.err : io.out)(topic ? `usage: ${topic.usage}\n` : usage());
    return name === undefined && !argv.includes("--help") ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`openpit: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  const rest = [...argv];
  rest.splice(rest.indexOf(name), 1);
  let ctx: ReturnType<typeof commandContext> | undefined;
  try {
    const args = parseArgs(
      rest,
      new Set([...CONNECTION_OPTIONS, ...(command.options ?? [])]),
      new Set([...GLOBAL_FLAGS, ...(command.flags ?? [])]),
      new Set(command.repeatable ?? []),
    );
    if (args.flags.has("help")) {
      io.out(`usage: ${command.usage}\n`);
      return 0;
    }
    const extra = args.positionals[command.positionals ?? 0];
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    ctx = commandContext(args, io, env, interrupted);
    // main.ts takes SIGINT/SIGTERM over (for events' clean stop), so nothing else would end
    // a command on Ctrl-C: a slow call or `accounts --all`'s pages would run on regardless.
    const running = command.run(ctx);
    const code = command.name === EVENTS.name ? await running : await Promise.race([running, interrupted.then(() => INTERRUPTED)]);
    if (code === INTERRUPTED) io.err(`openpit ${name}: interrupted${interruptedChange(command, ctx)}\n`);
    return typeof code === "number" ? code : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      // One line, escaped: some quote the sidecar's text (configure's settings values).
      io.err(`openpit ${name}: ${printable(e.message)}\nusage: ${command.usage}\n`);
      return 2;
    }
    let target = "the sidecar";
    try {
      target = ctx ? targetOf(ctx.args, env) : target;
    } catch {
      // an unreadable --config was reported as a usage error already
    }
    if (ctx?.changeApplied !== undefined) {
      // The change was answered: whatever failed after it (the read that shows the result, e.g.
      // the sidecar began a graceful shutdown just after answering) did not undo it.
      io.err(`openpit ${name}: ${ctx.changeApplied} was applied (the sidecar answered); only reading the result failed${checkText(command, ctx)}\n`);
      io.err(`openpit ${name}: reading the result: ${explainError(e, target)}\n`);
      return APPLIED_UNREAD;
    }
    io.err(`openpit ${name}: ${explainError(e, target)}${ctx ? failedChange(command, ctx, e) : ""}\n`);
    return 1;
  } finally {
    ctx?.close();
  }
}
