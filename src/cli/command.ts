/** What every CLI command is: its name, usage, options, and how it runs. */
import { Metadata, type ServiceError } from "@grpc/grpc-js";
import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { AdminService } from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type { ParsedArgs } from "./args.js";
import { openConnection, type Connection } from "./connection.js";
import type { CliIo } from "./output.js";

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly io: CliIo;
  /** --json: machine-readable output. */
  readonly json: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The connection, opened on first use (journal commands never open one). */
  connection(): Connection;
  /** A unary AdminService call by its proto name (`GetServerStatus`), with the --timeout deadline. */
  admin<D extends DescMessage>(method: string, output: D, init?: object): Promise<MessageShape<D>>;
  /** Resolves when the user interrupts (Ctrl-C): streaming commands stop then. */
  readonly interrupted: Promise<void>;
  /** The state-changing call sent last (`ConfigurePolicy`), if any: an interrupt after it may
   * leave the change in effect, and the operator must be told so. */
  readonly changeSent: string | undefined;
  /** The state-changing call the sidecar answered last (applied), if any: a step after it that
   * fails (the read that shows the result) must not read as "nothing changed". */
  readonly changeApplied: string | undefined;
}

export interface Command {
  readonly name: string;
  /** One line for `openpit help`. */
  readonly summary: string;
  /** The usage lines for `openpit COMMAND --help`. */
  readonly usage: string;
  /** Options taking a value, and flags, besides the connection options and --json/--help. */
  readonly options?: readonly string[];
  readonly flags?: readonly string[];
  /** Options that may be given more than once (configure's --set); any other given twice is a usage error. */
  readonly repeatable?: readonly string[];
  /**
   * The most positional arguments it takes (default none); one more is a usage error, not
   * ignored (found by review: `state 42 43` showed account 42 and said nothing of 43).
   * Infinity: the command reads them itself.
   */
  readonly positionals?: number;
  /** False for commands that never talk to the sidecar. */
  readonly connects?: boolean;
  /** For commands that change state: how to see whether an interrupted change applied. */
  checkWith?(args: ParsedArgs): string;
  run(ctx: CommandContext): Promise<number | void>;
}

/** AdminService's methods that only read: every other one changes state. */
const READS = /^(Get|List|Query)/;

/** The shared context over `args`; `close` closes the connection if one was opened. */
export function commandContext(
  args: ParsedArgs,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
  interrupted: Promise<void>,
): CommandContext & { close(): void } {
  let connection: Connection | undefined;
  let changeSent: string | undefined;
  let changeApplied: string | undefined;
  const open = () => (connection ??= openConnection(args, env));
  return {
    get changeSent() {
      return changeSent;
    },
    get changeApplied() {
      return changeApplied;
    },
    args,
    io,
    json: args.flags.has("json"),
    env,
    interrupted,
    connection: open,
    admin<D extends DescMessage>(method: string, _output: D, init: object = {}): Promise<MessageShape<D>> {
      const desc = AdminService.methods.find((m) => m.name === method);
      if (!desc) throw new Error(`no AdminService method ${method}`);
      const c = open();
      const request = create(desc.input, init as MessageInitShape<typeof desc.input>);
      const change = !READS.test(method);
      if (change) changeSent = method;
      return new Promise((resolve, reject) => {
        const call = c.clients.admin[desc.localName] as (r: unknown, m: Metadata, o: object, cb: (e: ServiceError | null, v: MessageShape<D>) => void) => void;
        call.call(c.clients.admin, request, new Metadata(), { deadline: Date.now() + c.timeoutMs }, (e, v) => {
          if (e) return reject(e);
          if (change) changeApplied = method;
          resolve(v);
        });
      });
    },
    close() {
      connection?.clients.close();
    },
  };
}
