import { create } from "@bufbuild/protobuf";
import type { ServerDuplexStream, UntypedServiceImplementation } from "@grpc/grpc-js";
import { ErrorCode } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import { CommandErrorSchema } from "../../../gen/openpit/sidecar/v1/errors_pb.js";
import {
  PublishResponseSchema,
  ReportResultSchema,
  type PublishRequest,
  type PublishResponse,
  type ReportResult,
} from "../../../gen/openpit/sidecar/v1/feed_pb.js";
import { PolicyCallbackError } from "../../engine/index.js";
import { CodecError, decodeExecutionReport, encodePostTrade } from "../codec/index.js";
import { MalformedMessage } from "../grpc/service-definition.js";
import type { Sidecar } from "../sidecar.js";
import type { LiveStreams } from "./live-streams.js";

function errorResult(code: ErrorCode, message: string, field = ""): ReportResult {
  return create(ReportResultSchema, { result: { case: "error", value: create(CommandErrorSchema, { code, message, field }) } });
}

/**
 * The execution-report feed. Each report is applied when it arrives, in arrival order:
 * an engine call runs to completion, so a report never lands in the middle of one of its
 * account's channel commands. Reports need no pinning: the venue's facts must always land.
 */
export function feedService(sidecar: Sidecar, streams: LiveStreams): UntypedServiceImplementation {
  const applyOne = (report: PublishRequest["reports"][number], field: string): ReportResult => {
    try {
      const result = sidecar.applyExecutionReport(decodeExecutionReport(report, field));
      return create(ReportResultSchema, { result: { case: "postTrade", value: encodePostTrade(result) } });
    } catch (e) {
      if (e instanceof CodecError) return errorResult(e.code, e.message, e.field);
      if (e instanceof PolicyCallbackError) return errorResult(ErrorCode.INTERNAL, e.message, field);
      return errorResult(ErrorCode.INTERNAL, `internal error: ${e instanceof Error ? e.message : String(e)}`, field);
    }
  };
  return {
    publish(call: ServerDuplexStream<PublishRequest | MalformedMessage, PublishResponse>) {
      let finished = false;
      const unregister = streams.add({
        drainAndClose() {
          finished = true;
          unregister();
          call.end();
        },
      });
      call.on("data", (m: PublishRequest | MalformedMessage) => {
        if (finished) return;
        let response: PublishResponse;
        if (m instanceof MalformedMessage) {
          response = create(PublishResponseSchema, {
            results: [errorResult(ErrorCode.INVALID_VALUE, `message could not be decoded: ${m.error}`)],
          });
        } else if (sidecar.isShuttingDown) {
          response = create(PublishResponseSchema, {
            correlationId: m.correlationId,
            results: m.reports.map(() => errorResult(ErrorCode.SHUTTING_DOWN, "the sidecar is shutting down")),
          });
        } else if (m.reports.length > sidecar.limits.maxCommandsPerMessage) {
          // One error per report, so results still pair with reports by index.
          const message = `reports: ${m.reports.length} reports in one message; at most ${sidecar.limits.maxCommandsPerMessage}`;
          response = create(PublishResponseSchema, {
            correlationId: m.correlationId,
            results: m.reports.map(() => errorResult(ErrorCode.BATCH_TOO_LARGE, message, "reports")),
          });
        } else {
          response = create(PublishResponseSchema, {
            correlationId: m.correlationId,
            results: m.reports.map((r, i) => applyOne(r, `reports[${i}]`)),
          });
        }
        if (!call.write(response)) {
          call.pause();
          call.once("drain", () => call.resume());
        }
      });
      const finish = () => {
        if (finished) return;
        finished = true;
        unregister();
      };
      call.on("end", () => {
        finish();
        call.end();
      });
      call.on("error", finish);
      call.on("cancelled", finish);
    },
  };
}
