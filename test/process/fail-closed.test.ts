/**
 * Fail closed: an error nothing caught (a bug) must not leave a process that keeps
 * answering from a state it may have half-changed. Health turns NOT_SERVING, nothing more
 * runs, one line goes to stderr, and the process exits 70 (EX_SOFTWARE).
 */
import { create } from "@bufbuild/protobuf";
import type { ClientReadableStream } from "@grpc/grpc-js";
import { describe, it } from "vitest";
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckResponse,
} from "../../gen/grpc/health/v1/health_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { AccountChannel, connect } from "../../src/client/index.js";
import { order } from "../server/harness.js";
import { LISTENING, nodeEntry, withoutLog } from "./sidecar-process.js";


describe.concurrent("an uncaught error fails closed", () => {
  for (const [how, line] of [
    ["uncaught exception", "throw"],
    ["unhandled rejection", "reject"],
  ] as const) {
    it(`${how}: NOT_SERVING to health watchers, one stderr line, exit 70`, async ({ expect, onTestFinished }) => {
      const p = nodeEntry("test/process/fixtures/fail-on-request.ts", ["--ephemeral", "--listen", "127.0.0.1:0"]);
      // Only if the test failed before the process exited.
      onTestFinished(() => void (p.child.exitCode === null && p.child.kill("SIGKILL")));
      const [, , port] = await p.waitFor(LISTENING);
      const clients = connect(`127.0.0.1:${port}`);
      const watch = (clients.health.watch as (r: unknown) => ClientReadableStream<HealthCheckResponse>)(
        create(HealthCheckRequestSchema, { service: "" }),
      );
      watch.on("error", () => {});
      const statuses: ServingStatus[] = [];
      const notServing = new Promise<void>((resolve) =>
        watch.on("data", (m: HealthCheckResponse) => {
          statuses.push(m.status);
          if (m.status === ServingStatus.SERVING) p.tell(line);
          if (m.status === ServingStatus.NOT_SERVING) resolve();
        }),
      );
      await notServing;
      const channel = new AccountChannel(clients.channel);
      const late = await channel.one({ case: "executePreTrade", value: { order: order() } }).then(
        (r) => (r.result.case === "error" && r.result.value.code === ErrorCode.SHUTTING_DOWN ? "refused SHUTTING_DOWN" : JSON.stringify(r.result.case)),
        () => "stream failed",
      );
      const exit = await p.exited;
      clients.close();

      expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
      expect(exit).toEqual({ code: 70, signal: null });
      const injected = how === "uncaught exception" ? "injected failure" : "injected rejection";
      // One line: what, the exit code, the error and where it was thrown.
      const where = how === "uncaught exception" ? "Immediate.<anonymous>" : "Interface.<anonymous>";
      expect(withoutLog(p.stderr())).toMatch(
        new RegExp(`^openpit-sidecar: ${how}, failing closed \\(exit 70\\): Error: ${injected} \\(at ${where} \\(\\S+/test/process/fixtures/fail-on-request\\.ts:\\d+:\\d+\\)\\)\\n$`),
      );
      // Nothing was run after the failure: an order sent after NOT_SERVING is refused, or
      // finds the process already gone; it is never accepted.
      expect(late).toMatch(/^(refused SHUTTING_DOWN|stream failed)$/);
    });
  }
});
