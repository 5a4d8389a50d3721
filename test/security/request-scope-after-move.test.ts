/**
 * A two-stage request started while its account was in the principal's scope is not executed
 * once the operator has moved the account out (found by review): `executeRequest` ran the main
 * stage, reserving funds for an account the gateway may no longer use, although docs/security.md
 * says a move out of the group takes the account out of scope at once. Discarding it, which
 * takes no risk, still works.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AccountChannel, callUnary, type SidecarClients } from "../../src/client/index.js";
import { order, seed } from "../server/harness.js";
import { as, json } from "../server/results.js";
import { GROUP_ACCOUNT, useSecureHarness } from "./secure-harness.js";

describe("a request whose account left the principal's scope after its start", () => {
  let gatewayA: SidecarClients;
  let operator: SidecarClients;
  const opened: AccountChannel[] = [];
  const secure = useSecureHarness(() => Promise.all(opened.splice(0).map((c) => c.end().catch(() => {}))));
  beforeEach(() => {
    gatewayA = secure.h.connect(secure.creds.certificate("gateway-a"));
    operator = secure.h.connect(secure.creds.certificate("operator"));
  });

  const startThenMoveOut = async () => {
    const a = new AccountChannel(gatewayA.channel);
    opened.push(a);
    await a.send(seed("USD", "10000", GROUP_ACCOUNT));
    const requestId = as(await a.one({ case: "startPreTrade", value: { order: order({ accountId: GROUP_ACCOUNT }) } }), "start").requestId;
    await callUnary(operator.admin, "unregisterGroup", create(ad.UnregisterGroupRequestSchema, { accountIds: [GROUP_ACCOUNT], groupId: 7 }));
    return { a, requestId };
  };

  it("executeRequest is refused PERMISSION_DENIED naming the request's account, and reserves nothing", async () => {
    const { a, requestId } = await startThenMoveOut();
    const executed = json(await a.one({ case: "executeRequest", value: { requestId } }));
    expect(executed).toEqual({
      error: {
        code: "ERROR_CODE_PERMISSION_DENIED",
        field: "commands[0].execute_request.request_id",
        message: `commands[0].execute_request.request_id: principal 'gateway-a' may not use account ${GROUP_ACCOUNT}`,
      },
    });
    expect(secure.h.server.state.channels.values().next().value?.openReservationCount).toBe(0);
  });

  it("discardRequest still ends it", async () => {
    const { a, requestId } = await startThenMoveOut();
    expect((await a.one({ case: "discardRequest", value: { requestId } })).result.case).toBe("finalize");
    expect(secure.h.server.state.channels.values().next().value?.openHandles).toBe(0);
  });
});
