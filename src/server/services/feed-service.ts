/** ExecutionReportFeedService.Publish: the fill / drop-copy feed, applied through the door. */
import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { ExecutionReportFeedService, PublishResponseSchema, type PublishRequest, type PublishResponse, type ReportResult } from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import type { ExecutionReport } from "../../model/index.js";
import { CommandError, type CommandErrorCode } from "../../state/command-error.js";
import { decodeExecutionReport, encodeCommandError, reportResults } from "../codec/index.js";
import { MalformedMessage } from "../../transport/service-definition.js";
import { PHASE_REFUSALS, type ServiceContext } from "./service-context.js";
import type { SidecarState } from "../../state/sidecar-state.js";
import type { AccountId } from "../../param/index.js";
import { refuseReport, type CommandScope } from "../security/account-scope.js";
import { principalOf } from "../security/service-guard.js";
import { methodPath } from "../security/method-access.js";

const PUBLISH_PATH = methodPath(ExecutionReportFeedService.method.publish);

/** A message over `maxCommandsPerMessage` is refused as a whole (PublishResponse.error), so the answer stays small. */
function tooLarge(state: SidecarState, m: PublishRequest): PublishResponse | undefined {
  const max = state.limits.maxCommandsPerMessage;
  if (m.reports.length <= max) return undefined;
  const error = new CommandError("BATCH_TOO_LARGE", "reports", `reports: ${m.reports.length} reports in one message; at most ${max}`);
  return create(PublishResponseSchema, { correlationId: m.correlationId, error: encodeCommandError(error) });
}

/** Every report refused alike (one error each, paired by index); an oversize message is refused whole. */
function refuse(state: SidecarState, m: PublishRequest, code: CommandErrorCode, message: string): PublishResponse {
  const error = new CommandError(code, "", message);
  return tooLarge(state, m) ?? create(PublishResponseSchema, { correlationId: m.correlationId, results: m.reports.map(() => reportResults.fromError(error)) });
}

/**
 * One feed message: decoded report by report (a malformed one gets its error, one on an
 * account outside `scope` is refused), applied through the door in order.
 */
export function runPublishRequest(state: SidecarState, m: PublishRequest, scope?: CommandScope): PublishResponse {
  const refused = tooLarge(state, m);
  if (refused) return refused;
  const out = new Array<ReportResult>(m.reports.length);
  const valid: ExecutionReport[] = [];
  const bases: string[] = [];
  const slots: number[] = [];
  const checked = scope !== undefined && !scope.principal.allAccounts ? scope : undefined;
  const groupOf = checked && ((id: AccountId) => state.engine.accounts().groupOf(id));
  m.reports.forEach((r, i) => {
    const field = `reports[${i}]`;
    try {
      const report = decodeExecutionReport(r, field);
      if (checked) {
        // Refused before the door: it changes nothing and is never journaled.
        const denied = refuseReport(checked, report, field, groupOf!);
        if (denied) throw denied;
      }
      valid.push(report);
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
 */
export function feedService(ctx: ServiceContext): UntypedServiceImplementation {
  const { state } = ctx;

  return {
    publish(call: ServerDuplexStream<PublishRequest | MalformedMessage, PublishResponse>) {
      const scope: CommandScope = { principal: principalOf(call), action: PUBLISH_PATH, onDenied: ctx.onDenied };
      const run = (m: PublishRequest): PublishResponse => runPublishRequest(state, m, scope);
      let finished = false;
      let paused = false;
      const unregister = ctx.streams.add({
        drainAndClose() {
          finished = true;
          unregister();
          state.afterDurable(() => call.end());
        },
      });
      call.on("data", (m: PublishRequest | MalformedMessage) => {
        if (finished) return;
        let response: PublishResponse;
        if (m instanceof MalformedMessage) {
          response = create(PublishResponseSchema, { results: [reportResults.fromError(new CommandError("INVALID_VALUE", "", `message could not be decoded: ${m.error}`))] });
        } else if (ctx.phase() === "recovering") {
          response = refuse(state, m, "UNAVAILABLE", PHASE_REFUSALS.recovering);
        } else if (ctx.phase() === "stopping") {
          response = refuse(state, m, "SHUTTING_DOWN", PHASE_REFUSALS.stopping);
        } else {
          response = run(m);
        }
        state.afterDurable(() => {
          if (finished && call.writableEnded) return;
          // Flow control: stop reading until the client reads; one drain listener at a time.
          if (!call.write(response) && !paused) {
            paused = true;
            call.pause();
            call.once("drain", () => {
              paused = false;
              call.resume();
            });
          }
        });
      });
      const finish = () => {
        if (finished) return;
        finished = true;
        unregister();
      };
      call.on("end", () => {
        finish();
        state.afterDurable(() => call.end());
      });
      call.on("error", finish);
      call.on("cancelled", finish);
    },
  };
}
