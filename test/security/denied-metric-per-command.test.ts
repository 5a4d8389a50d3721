/**
 * Found by review of session 30's diff: collapsing the refusals of one message into one audit
 * record per kind (a3589496) collapsed the metric too.
 * The collapse wraps `CommandScope.onDenied`, which is `ServiceContext.onDenied`: the same hook
 * also counts `openpit_denied_total{reason}` and feeds `SidecarServer.onDenied` ("told of every
 * refused call or command"). docs/observability.md: openpit_denied_total counts "Calls and
 * commands refused by security …, each one"; docs/security.md: "counts every refusal".
 * A message of 5 refused commands counted 1. The metric now adds each record's `count`; the
 * server's hook is told once per record, with the count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { Credentials, FOREIGN_ACCOUNT, startSecureHarness, type SecureHarness } from "../security/secure-harness.js";

const N = 5;

describe("refused commands of one message and openpit_denied_total", () => {
  const creds = new Credentials();
  let h: SecureHarness;
  beforeAll(async () => {
    h = await startSecureHarness(creds.security());
  });
  afterAll(async () => {
    await h.close();
    creds.remove();
  });

  it(`a message of ${N} out-of-scope binds counts ${N} PERMISSION_DENIED refusals`, async () => {
    const gateway = h.connect(creds.certificate("gateway-a")).channel;
    const stream = gateway.open!() as ClientDuplexStream<unknown, ch.OpenResponse>;
    const answered = new Promise<ch.OpenResponse>((resolve, reject) => {
      stream.on("data", resolve);
      stream.on("error", reject);
    });
    const bind = { command: { case: "bindAccounts" as const, value: { accountIds: [FOREIGN_ACCOUNT] } } };
    stream.write(create(ch.OpenRequestSchema, { correlationId: 1n, commands: Array.from({ length: N }, () => bind) }));
    const answer = await answered;
    stream.end();
    // Each command is refused on its own.
    expect(answer.results.map((r) => r.result.case === "error" && r.result.value.code)).toEqual(Array.from({ length: N }, () => ErrorCode.PERMISSION_DENIED));
    const metrics = await h.server.metrics.registry.metrics();
    expect(/\nopenpit_denied_total\{reason="PERMISSION_DENIED"\} (\d+)\n/.exec(metrics)?.[1]).toBe(String(N));
    // SidecarServer.onDenied: told once per audit record, with how many refusals it stands for.
    expect(h.denials.filter((d) => d.reason === "PERMISSION_DENIED").map((d) => d.count)).toEqual([N]);
  });
});
