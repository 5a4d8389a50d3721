/**
 * Generated messages whose domain value was decoded straight from the bytes
 * (wire-commands.ts, wire-reports.ts). The services keep reading `OpenRequest.commands[i]
 * .command` and `PublishRequest.reports[i]` and handing them to `decodeChannelCommand` /
 * `decodeExecutionReport`, which return the carried domain value as it is. Everything else
 * a generated message offers still works: the oneof's `case` is a field (metrics read it),
 * and the generated fields are decoded from the message's own bytes the first time anyone
 * reads them (nothing on the served path does). The carried value is exactly what the
 * generated path would have built from those fields (tests compare both).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { CommandSchema, type Command } from "../../../gen/openpit/sidecar/v1/channel_pb.js";
import { ExecutionReportSchema, type ExecutionReport as WireReport } from "../../../gen/openpit/sidecar/v1/types_pb.js";
import type { ExecutionReport } from "../../model/index.js";
import type { ChannelCommand } from "../../state/commands.js";

const ONEOF_CASES: Partial<Record<ChannelCommand["kind"], NonNullable<Command["command"]["case"]>>> = {
  start: "startPreTrade",
  executeRequest: "executeRequest",
  execute: "executePreTrade",
  commit: "commitReservation",
  rollback: "rollbackReservation",
};

/** A `Command`'s oneof (`{ case, value }`) carrying the door's command it decodes to. */
export class DecodedCommand {
  readonly case: NonNullable<Command["command"]["case"]>;
  private wire: Command["command"] | undefined = undefined;

  constructor(
    readonly decoded: ChannelCommand,
    private readonly buf: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.case = ONEOF_CASES[decoded.kind]!;
  }

  /** The generated member, decoded from the command's bytes on first use. */
  get value(): unknown {
    return (this.wire ??= fromBinary(CommandSchema, this.buf.subarray(this.start, this.end)).command).value;
  }

  /** Typed as the generated oneof it stands for. */
  asOneof(): Command["command"] {
    return this as unknown as Command["command"];
  }
}

/** The domain command a generated oneof carries, if it came from the direct decoder. */
export function decodedCommand(c: Command["command"]): ChannelCommand | undefined {
  // A field read rather than `instanceof`: optimised code called V8's InstanceOf builtin for
  // every order (a class bound in module scope is not a constant to it), walking the
  // prototype chain. A generated oneof never has a `decoded` field.
  return (c as { readonly decoded?: ChannelCommand }).decoded;
}

/** A generated `ExecutionReport` carrying the domain report it decodes to. */
export class DecodedReport {
  readonly $typeName = "openpit.sidecar.v1.ExecutionReport" as const;
  private wire: WireReport | undefined = undefined;

  constructor(
    readonly decoded: ExecutionReport,
    private readonly buf: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  private get message(): WireReport {
    return (this.wire ??= fromBinary(ExecutionReportSchema, this.buf.subarray(this.start, this.end)));
  }

  get instrument(): WireReport["instrument"] {
    return this.message.instrument;
  }
  get accountId(): WireReport["accountId"] {
    return this.message.accountId;
  }
  get side(): WireReport["side"] {
    return this.message.side;
  }
  get pnl(): WireReport["pnl"] {
    return this.message.pnl;
  }
  get fee(): WireReport["fee"] {
    return this.message.fee;
  }
  get lastTrade(): WireReport["lastTrade"] {
    return this.message.lastTrade;
  }
  get fillFee(): WireReport["fillFee"] {
    return this.message.fillFee;
  }
  get leavesQuantity(): WireReport["leavesQuantity"] {
    return this.message.leavesQuantity;
  }
  get lock(): WireReport["lock"] {
    return this.message.lock;
  }
  get isFinal(): WireReport["isFinal"] {
    return this.message.isFinal;
  }
  get positionEffect(): WireReport["positionEffect"] {
    return this.message.positionEffect;
  }
  get positionSide(): WireReport["positionSide"] {
    return this.message.positionSide;
  }
  get clientOrderId(): WireReport["clientOrderId"] {
    return this.message.clientOrderId;
  }
  get executionId(): WireReport["executionId"] {
    return this.message.executionId;
  }

  /** Typed as the generated message it stands for. */
  asMessage(): WireReport {
    return this as unknown as WireReport;
  }
}

/** The domain report a generated report carries, if it came from the direct decoder. */
export function decodedReport(r: WireReport | undefined): ExecutionReport | undefined {
  // A field read, as `decodedCommand`: a generated report never has a `decoded` field.
  return (r as { readonly decoded?: ExecutionReport } | undefined)?.decoded;
}
