/**
 * The oracle for the crash test: an in-process ephemeral sidecar fed exactly the operations
 * the durable process acknowledged, through the same door, decoders and encoders the gRPC
 * services use, but without sockets. A crash is every open channel closed with reason
 * "recovery" (channels do not outlive the process: disconnect = drop).
 */
import { toJson, type DescMessage, type JsonValue, type Message } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import * as fd from "../../gen/openpit/sidecar/v1/feed_pb.js";
import type * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { buildSidecar } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { adminService } from "../../src/server/services/admin-service.js";
import { runOpenRequest, type StreamChannel } from "../../src/server/services/account-channel-service.js";
import { runPublishRequest } from "../../src/server/services/feed-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";

/** One operation as it went over the wire (the very messages sent), or a process crash. */
export type WireOp =
  | { readonly t: "channel"; readonly commands: readonly ch.Command[] }
  | { readonly t: "feed"; readonly reports: readonly pb.ExecutionReport[] }
  | { readonly t: "admin"; readonly method: AdminMethod; readonly request: Message }
  | { readonly t: "crash" };

export type AdminMethod =
  | "blockAccount"
  | "unblockAccount"
  | "setPnlAccumulator"
  | "configurePolicy"
  | "pushQuote";

/**
 * An answer in proto3 JSON form (defaults omitted, uint64 as strings), so the wire's and the
 * reference's compare with one toEqual: channel and feed results per command/report, an
 * admin call's response or its status code and message.
 */
export type Answer = JsonValue;

export const CRASH: WireOp = { t: "crash" };

type UnaryHandler = (call: { request: unknown }, callback: (err: ServiceError | null, res: Message | null) => void) => void;

const adminOutput = (method: string): DescMessage =>
  (ad.AdminService.method as unknown as Record<string, { output: DescMessage }>)[method]!.output;

export function adminAnswer(method: string, err: ServiceError | null, res: Message | null): Answer {
  if (err) return { error: { code: err.code, details: err.details } };
  return { ok: toJson(adminOutput(method), res!) };
}

export const channelAnswer = (results: readonly ch.CommandResult[]): Answer => results.map((r) => toJson(ch.CommandResultSchema, r));
export const feedAnswer = (results: readonly fd.ReportResult[]): Answer => results.map((r) => toJson(fd.ReportResultSchema, r));

/** What the test reads after a restart: every account's state and every policy's live settings. */
export interface StateView {
  readonly accounts: Record<string, JsonValue>;
  readonly policies: Record<string, JsonValue>;
}

export class Reference {
  readonly state: SidecarState;
  /** Commands that entered the door: the durable process journals exactly one record for each. */
  commands = 0n;
  private readonly admin: Record<string, UnaryHandler>;
  private session: StreamChannel = { channelId: undefined };

  constructor(config: Record<string, unknown>) {
    // Time never matters in this workload (no TTLs, a loose rate limit): one fixed instant.
    const server = buildSidecar(parseSidecarConfig({ ...config, durability: { mode: "ephemeral" } }), new ManualClock(1_000));
    this.state = server.state;
    this.state.onCommand = () => void this.commands++;
    // Every start of the durable process ends its recovery with a `served` record.
    this.state.markServing();
    this.admin = adminService({ state: this.state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map() }) as never;
  }

  /** Builds a reference and runs `log` through it; `answers[i]` is log[i]'s answer (a crash: reservations rolled back). */
  static replay(config: Record<string, unknown>, log: readonly WireOp[]): { ref: Reference; answers: Answer[] } {
    const ref = new Reference(config);
    return { ref, answers: log.map((op) => ref.run(op)) };
  }

  run(op: WireOp): Answer {
    switch (op.t) {
      case "channel": {
        const m: ch.OpenRequest = { $typeName: "openpit.sidecar.v1.OpenRequest", correlationId: 1n, commands: [...op.commands] };
        return channelAnswer(runOpenRequest(this.state, this.session, m).results);
      }
      case "feed":
        return feedAnswer(this.publish(op.reports));
      case "admin":
        return this.call(op.method, op.request);
      case "crash":
        return this.crash();
    }
  }

  /** ExecutionReportFeedService.Publish's run, report by report (the service's own function). */
  private publish(reports: readonly pb.ExecutionReport[]): fd.ReportResult[] {
    return runPublishRequest(this.state, { $typeName: "openpit.sidecar.v1.PublishRequest", correlationId: 1n, reports: [...reports] }).results;
  }

  /** An AdminService method, through the service's own handler (same decoding, same encoding). */
  private call(method: string, request: unknown): Answer {
    let answer: Answer | undefined;
    this.admin[method]!({ request }, (err, res) => (answer = adminAnswer(method, err, res)));
    if (answer === undefined) throw new Error(`reference: ${method} did not answer synchronously`);
    return answer;
  }

  private query<T>(method: string, request: unknown): T {
    let out: T | undefined;
    let failure: ServiceError | null = null;
    this.admin[method]!({ request }, (err, res) => {
      failure = err;
      out = res as T;
    });
    if (failure) throw new Error(`reference: ${method} failed: ${(failure as ServiceError).details}`);
    return out!;
  }

  /** The crash: every channel the process had open is closed as recovery closes it. Returns the reservations rolled back. */
  crash(): number {
    let rolledBack = 0;
    for (const channel of this.state.channels.values()) rolledBack += channel.openReservationCount;
    for (const id of [...this.state.channels.keys()]) this.state.closeChannel(id, "recovery");
    this.state.markServing();
    this.session = { channelId: undefined };
    return rolledBack;
  }

  accountState(accountId: bigint): ad.GetAccountStateResponse {
    return this.query("getAccountState", { accountId });
  }

  view(accounts: readonly bigint[], policies: readonly string[]): StateView {
    return {
      accounts: Object.fromEntries(accounts.map((a) => [a.toString(), toJson(ad.GetAccountStateResponseSchema, this.accountState(a))])),
      policies: Object.fromEntries(
        policies.map((p) => [p, JSON.parse(this.query<ad.GetPolicySettingsResponse>("getPolicySettings", { policyName: p }).settingsJson) as JsonValue]),
      ),
    };
  }
}
