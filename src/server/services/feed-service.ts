/** ExecutionReportFeedService.Publish: the fill / drop-copy feed, applied through the door. */
import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { PublishResponseSchema, type PublishRequest, type PublishResponse, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport } from "../../model/index.js";
import { CommandError, type CommandErrorCode } from "../../state/command-error.js";
import { decodeExecutionReport, reportResults } from "../codec/index.js";
import { MalformedMessage } from "../../transport/service-definition.js";
import { PHASE_REFUSALS, type ServiceContext } from "./service-context.js";
import type { SidecarState } from "../../state/sidecar-state.js";

function refuse(m: PublishRequest, code: CommandErrorCode, message: string, field?: string): PublishResponse {
  const error = new CommandError(code, field ?? "", message);
  return create(PublishResponseSchema, { correlationId: m.correlationId, results: m.reports.map(() => reportResults.fromError(error)) });
}

/** One feed message: decoded report by report (a malformed one gets its error), applied through the door in order. */
export function runPublishRequest(state: SidecarState, m: PublishRequest): PublishResponse {
  const max = state.limits.maxCommandsPerMessage;
  // One error per report, so results still pair with reports by index.
  if (m.reports.length > max) return refuse(m, "BATCH_TOO_LARGE", `reports: ${m.reports.length} reports in one message; at most ${max}`, "reports");
  const out = new Array<ReportResult>(m.reports.length);
  const valid: ExecutionReport[] = [];
  const bases: string[] = [];
  const slots: number[] = [];
  m.reports.forEach((r, i) => {
    const field = `reports[${i}]`;
    try {
      valid.push(decodeExecutionReport(r, field));
      bases.push(field);
      slots.push(i);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      out[i] = reportResults.fromError(e);
    }
  });
  if (valid.length > 0) {
    state.applyReports(valid, bases).forEach((r, k) => {
      out[slots[k]!] = reportResults.encode(r);
    });
  }
  return create(PublishResponseSchema, { correlationId: m.correlationId, results: out });
}

/**
 * The execution-report feed. Each report is applied when it arrives, in arrival order:
 * a command runs to completion, so a report never lands in the middle of one of its
 * account's channel commands. Reports need no pinning: the venue's facts must always land.
 *
 * Reports are applied during shutdown's drain too. Once shutdown has closed the stream,
 * every message that still arrives is answered SHUTTING_DOWN, report by report, until the
 * client half-closes (or the server's grace period cuts the stream): none goes unanswered.
 */
export function feedService(ctx: ServiceContext): UntypedServiceImplementation {
  const { state } = ctx;

  const run = (m: PublishRequest): PublishResponse => runPublishRequest(state, m);

  return {
    publish(call: ServerDuplexStream<PublishRequest | MalformedMessage, PublishResponse>) {
      /** Shutdown closed this stream (or the client went): nothing more is applied. */
      let closed = false;
      /** The transport is gone or ended: nothing more can be written. */
      let ended = false;
      let paused = false;
      const unregister = ctx.streams.add({
        drainAndClose() {
          closed = true;
          unregister();
        },
      });
      const answer = (m: PublishRequest | MalformedMessage): PublishResponse => {
        if (m instanceof MalformedMessage) {
          return create(PublishResponseSchema, { results: [reportResults.fromError(new CommandError("INVALID_VALUE", "", `message could not be decoded: ${m.error}`))] });
        }
        const phase = ctx.phase();
        if (phase === "recovering") return refuse(m, "UNAVAILABLE", PHASE_REFUSALS.recovering);
        if (closed || phase === "stopping" || phase === "failed") return refuse(m, "SHUTTING_DOWN", PHASE_REFUSALS.stopping);
        return run(m);
      };
      const writeNow = (response: PublishResponse): void => {
        if (ended) return;
        try {
          // Flow control: stop reading until the client reads; one drain listener at a time.
          if (!call.write(response) && !paused) {
            paused = true;
            call.pause();
            call.once("drain", () => {
              paused = false;
              call.resume();
            });
          }
        } catch (e) {
          // This stream is broken (encoding or transport); the others and the journal are not.
          ended = true;
          call.destroy(e instanceof Error ? e : new Error(String(e)));
        }
      };
      call.on("data", (m: PublishRequest | MalformedMessage) => {
        const response = answer(m);
        state.afterDurable(() => writeNow(response));
      });
      const finish = () => {
        if (closed) return;
        closed = true;
        unregister();
      };
      call.on("end", () => {
        finish();
        state.afterDurable(() => {
          if (ended) return;
          ended = true;
          call.end();
        });
      });
      const gone = () => {
        ended = true;
        finish();
      };
      call.on("error", gone);
      call.on("cancelled", gone);
    },
  };
}
