/**
 * The per-command half: a gateway's channel commands and a feed's reports may only name
 * accounts the principal may use (listed, or in a listed group as of now). A refused
 * command gets PERMISSION_DENIED on its own, changes nothing, and says nothing about
 * anyone else's channels or accounts.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { AuditOutcome } from "../../gen/openpit/sidecar/v1/audit_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { AccountChannel, ReportFeed, callUnary, type CommandInit, type SidecarClients } from "../../src/client/index.js";
import { ACCOUNT, order, seed } from "../server/harness.js";
import { fill, json } from "../server/results.js";
import { FOREIGN_ACCOUNT, GROUP_ACCOUNT, stateApartFromAudit, useSecureHarness } from "./secure-harness.js";

const OPEN = "/openpit.sidecar.v1.AccountChannelService/Open";
const PUBLISH = "/openpit.sidecar.v1.ExecutionReportFeedService/Publish";

/** Every channel command kind that names an account, built for `accountId`, with the refused field's path. */
const ACCOUNT_COMMANDS: ReadonlyArray<readonly [string, (accountId: bigint) => CommandInit, string]> = [
  ["bindAccounts", (a) => ({ case: "bindAccounts", value: { accountIds: [a] } }), "bind_accounts.account_ids[0]"],
  ["bindAccounts with takeover", (a) => ({ case: "bindAccounts", value: { accountIds: [a], takeover: true } }), "bind_accounts.account_ids[0]"],
  ["releaseAccounts", (a) => ({ case: "releaseAccounts", value: { accountIds: [a] } }), "release_accounts.account_ids[0]"],
  ["startPreTrade", (a) => ({ case: "startPreTrade", value: { order: order({ accountId: a }) } }), "start_pre_trade.order.account_id"],
  ["executePreTrade", (a) => ({ case: "executePreTrade", value: { order: order({ accountId: a }) } }), "execute_pre_trade.order.account_id"],
  ["startPreTradeDryRun", (a) => ({ case: "startPreTradeDryRun", value: { order: order({ accountId: a }) } }), "start_pre_trade_dry_run.order.account_id"],
  ["executePreTradeDryRun", (a) => ({ case: "executePreTradeDryRun", value: { order: order({ accountId: a }) } }), "execute_pre_trade_dry_run.order.account_id"],
  ["executePreTradeDropCopy", (a) => ({ case: "executePreTradeDropCopy", value: { order: order({ accountId: a }) } }), "execute_pre_trade_drop_copy.order.account_id"],
  ["applyExecutionReport", (a) => ({ case: "applyExecutionReport", value: { report: fill({ qty: "1", price: "100", accountId: a }) } }), "apply_execution_report.report.account_id"],
  ["applyAccountAdjustment", (a) => seed("USD", "100", a), "apply_account_adjustment.account_id"],
];

/** Commands on handles: they name no account (the handle's command was checked when it made it). */
const HANDLE_COMMANDS: ReadonlyArray<readonly [string, CommandInit, string]> = [
  ["executeRequest", { case: "executeRequest", value: { requestId: 999n } }, "execute_request.request_id"],
  ["discardRequest", { case: "discardRequest", value: { requestId: 999n } }, "discard_request.request_id"],
  ["commitReservation", { case: "commitReservation", value: { reservationId: 999n } }, "commit_reservation.reservation_id"],
  ["rollbackReservation", { case: "rollbackReservation", value: { reservationId: 999n } }, "rollback_reservation.reservation_id"],
];

const denied = (field: string, accountId: bigint | undefined, who = "gateway-a", what = "orders") => ({
  error: {
    code: "ERROR_CODE_PERMISSION_DENIED",
    field,
    message: accountId === undefined ? `${field}: principal '${who}' may only send ${what} that name one of its accounts` : `${field}: principal '${who}' may not use account ${accountId}`,
  },
});

describe("account scope", () => {
  let gatewayA: SidecarClients;
  let gatewayB: SidecarClients;
  let operator: SidecarClients;
  let feed: SidecarClients;
  const opened: { end(): Promise<void> }[] = [];
  const channel = (c: SidecarClients) => {
    const ch = new AccountChannel(c.channel);
    opened.push(ch);
    return ch;
  };
  const stateOf = (accountId: bigint) => callUnary<ad.GetAccountStateResponse>(operator.admin, "getAccountState", create(ad.GetAccountStateRequestSchema, { accountId }));

  const secure = useSecureHarness(() => Promise.all(opened.splice(0).map((c) => c.end().catch(() => {}))));
  beforeEach(() => {
    const { h, creds } = secure;
    gatewayA = h.connect(creds.certificate("gateway-a"));
    gatewayB = h.connect(creds.certificate("gateway-b"));
    operator = h.connect(creds.certificate("operator"));
    feed = h.connect(creds.certificate("feed-a"));
  });

  for (const [kind, build, field] of ACCOUNT_COMMANDS) {
    it(`${kind}: a foreign account is PERMISSION_DENIED and changes nothing; its own (by id or group) is run`, async () => {
      const ch = channel(gatewayA);
      await ch.send(seed("USD", "10000"), seed("USD", "10000", GROUP_ACCOUNT));
      const before = stateApartFromAudit(secure.h.server);
      secure.h.denials.length = 0;
      const what = kind.startsWith("bind") ? "bind" : kind === "releaseAccounts" ? "release" : kind === "applyExecutionReport" ? "reports" : kind === "applyAccountAdjustment" ? "adjustments" : "orders";
      expect(json(await ch.one(build(FOREIGN_ACCOUNT)))).toEqual(denied(`commands[0].${field}`, FOREIGN_ACCOUNT));
      expect(stateApartFromAudit(secure.h.server)).toEqual(before);
      expect(secure.h.denials).toEqual([
        {
          actor: "gateway-a",
          action: `${OPEN} ${what}`,
          reason: "PERMISSION_DENIED",
          detail: `commands[0].${field}: principal 'gateway-a' may not use account 77`,
          accountIds: [FOREIGN_ACCOUNT],
        },
      ]);
      // The attempt is found by the account it named.
      const audit = await callUnary<ad.QueryAuditResponse>(operator.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { accountId: FOREIGN_ACCOUNT, outcome: AuditOutcome.DENIED }));
      expect(audit.records.map((r) => [r.actor, r.action, r.accountIds])).toEqual([["gateway-a", `open ${what}`, [FOREIGN_ACCOUNT]]]);
      for (const own of [ACCOUNT, GROUP_ACCOUNT]) {
        const result = await ch.one(build(own));
        expect(result.result.case, `${kind} on ${own}: ${JSON.stringify(json(result))}`).not.toBe("error");
      }
    });
  }

  for (const [kind, command, field] of HANDLE_COMMANDS) {
    it(`${kind}: names a handle, not an account, so the scope does not apply (the door answers)`, async () => {
      const ch = channel(gatewayA);
      expect(json(await ch.one(command))).toMatchObject({ error: { code: "ERROR_CODE_UNKNOWN_HANDLE", field: `commands[0].${field}` } });
    });
  }

  it("a refused command in a message leaves the others to run, results paired by index", async () => {
    const ch = channel(gatewayA);
    const results = await ch.send({ case: "bindAccounts", value: { accountIds: [FOREIGN_ACCOUNT] } }, { case: "bindAccounts", value: { accountIds: [ACCOUNT] } });
    expect(results.map(json)).toEqual([denied("commands[0].bind_accounts.account_ids[0]", FOREIGN_ACCOUNT), { bind: {} }]);
    expect((await stateOf(ACCOUNT)).pinnedChannelId).toBe(1n);
    expect((await stateOf(FOREIGN_ACCOUNT)).pinnedChannelId).toBe(0n);
  });

  // Found by review (session 30): the record held only the first foreign account, so an
  // attempt on the second was not found under it.
  it("a refused bind or release is recorded under every foreign account it named; the answer names the first", async () => {
    const ch = channel(gatewayA);
    const other = FOREIGN_ACCOUNT + 1n;
    for (const [kind, wire] of [["bindAccounts", "bind_accounts"], ["releaseAccounts", "release_accounts"]] as const) {
      secure.h.denials.length = 0;
      const result = await ch.one({ case: kind, value: { accountIds: [ACCOUNT, FOREIGN_ACCOUNT, other, FOREIGN_ACCOUNT] } } as CommandInit);
      expect(json(result)).toEqual(denied(`commands[0].${wire}.account_ids[1]`, FOREIGN_ACCOUNT));
      expect(secure.h.denials.map((d) => d.accountIds)).toEqual([[FOREIGN_ACCOUNT, other]]);
    }
    for (const accountId of [FOREIGN_ACCOUNT, other]) {
      const audit = await callUnary<ad.QueryAuditResponse>(operator.admin, "queryAudit", create(ad.QueryAuditRequestSchema, { accountId, outcome: AuditOutcome.DENIED }));
      expect(audit.records.map((r) => [r.actor, r.action]), `account ${accountId}`).toEqual([
        ["gateway-a", "open bind"],
        ["gateway-a", "open release"],
      ]);
    }
  });

  it("a bind naming one foreign account among its own is refused whole", async () => {
    const ch = channel(gatewayA);
    const result = await ch.one({ case: "bindAccounts", value: { accountIds: [ACCOUNT, FOREIGN_ACCOUNT] } });
    expect(json(result)).toEqual(denied("commands[0].bind_accounts.account_ids[1]", FOREIGN_ACCOUNT));
    expect((await stateOf(ACCOUNT)).pinnedChannelId).toBe(0n);
  });

  it("takeover of another gateway's account outside the scope is refused: the pin and its reservations stay", async () => {
    const b = channel(gatewayB);
    await b.send(seed("USD", "10000", FOREIGN_ACCOUNT));
    const reserved = await b.one({ case: "executePreTrade", value: { order: order({ accountId: FOREIGN_ACCOUNT }) } });
    expect(reserved.result.case).toBe("execute");
    const before = await stateOf(FOREIGN_ACCOUNT);
    expect(before.pinnedChannelId).not.toBe(0n);

    const a = channel(gatewayA);
    const taken = await a.one({ case: "bindAccounts", value: { accountIds: [FOREIGN_ACCOUNT], takeover: true } });
    // The same words whether or not the account exists or is pinned: nothing about channel b.
    expect(json(taken)).toEqual(denied("commands[0].bind_accounts.account_ids[0]", FOREIGN_ACCOUNT));
    expect(await stateOf(FOREIGN_ACCOUNT)).toEqual(before);
    expect(b.notices).toEqual([]);
  });

  it("the same refusal for an account nobody configured as for one pinned elsewhere", async () => {
    const a = channel(gatewayA);
    const unknown = await a.one({ case: "executePreTrade", value: { order: order({ accountId: 123456n }) } });
    expect(json(unknown)).toEqual(denied("commands[0].execute_pre_trade.order.account_id", 123456n));
  });

  it("takeover inside the scope works: both gateways may use group 7", async () => {
    const a = channel(gatewayA);
    expect(json(await a.one({ case: "bindAccounts", value: { accountIds: [GROUP_ACCOUNT] } }))).toEqual({ bind: {} });
    const b = channel(gatewayB);
    expect(json(await b.one({ case: "bindAccounts", value: { accountIds: [GROUP_ACCOUNT], takeover: true } }))).toEqual({ bind: { takenOver: [GROUP_ACCOUNT.toString()] } });
  });

  it("two gateways sharing a group: pinned elsewhere names neither the other channel nor its principal", async () => {
    const a = channel(gatewayA);
    expect(json(await a.one({ case: "bindAccounts", value: { accountIds: [GROUP_ACCOUNT] } }))).toEqual({ bind: {} });
    const b = channel(gatewayB);
    const field = "commands[0].bind_accounts.account_ids[0]";
    expect(json(await b.one({ case: "bindAccounts", value: { accountIds: [GROUP_ACCOUNT] } }))).toEqual({
      error: { code: "ERROR_CODE_ACCOUNT_PINNED_ELSEWHERE", field, message: `${field}: account is pinned to another channel; set takeover to fence it` },
    });
  });

  it("group scope follows the account's current group: moved out by the operator, it is refused", async () => {
    const a = channel(gatewayA);
    expect((await a.one(seed("USD", "1", GROUP_ACCOUNT))).result.case).toBe("adjustment");
    await callUnary(operator.admin, "unregisterGroup", create(ad.UnregisterGroupRequestSchema, { accountIds: [GROUP_ACCOUNT], groupId: 7 }));
    expect(json(await a.one(seed("USD", "1", GROUP_ACCOUNT)))).toEqual(denied("commands[0].apply_account_adjustment.account_id", GROUP_ACCOUNT));
  });

  it("the feed: each report checked on its own; a report without an account is refused for a scoped feed", async () => {
    const f = new ReportFeed(feed.feed);
    opened.push(f);
    const own = fill({ qty: "1", price: "100" });
    const foreign = fill({ qty: "1", price: "100", accountId: FOREIGN_ACCOUNT });
    const anonymous = create(pb.ExecutionReportSchema, { ...fill({ qty: "1", price: "100" }), accountId: 0n });
    const before = await stateOf(FOREIGN_ACCOUNT);
    secure.h.denials.length = 0;
    const results = await f.publish(own, foreign, anonymous);
    expect(results.map((r) => r.result.case)).toEqual(["postTrade", "error", "error"]);
    expect(results[1]!.result.value).toMatchObject({ code: 16, field: "reports[1].account_id", message: "reports[1].account_id: principal 'feed-a' may not use account 77" });
    expect(results[2]!.result.value).toMatchObject({
      code: 16,
      field: "reports[2].account_id",
      message: "reports[2].account_id: principal 'feed-a' may only send reports that name one of its accounts",
    });
    expect(await stateOf(FOREIGN_ACCOUNT)).toEqual(before);
    // One record for the message's refused reports (message-denials.ts), naming every account they named.
    expect(secure.h.denials).toEqual([
      {
        actor: "feed-a",
        action: `${PUBLISH} reports`,
        reason: "PERMISSION_DENIED",
        detail: "reports[1].account_id: principal 'feed-a' may not use account 77; 1 more in the same message refused alike (account_ids: every account they named)",
        accountIds: [FOREIGN_ACCOUNT],
        count: 2,
      },
    ]);
  });

  it("a message whose every command is refused opens no channel", async () => {
    const before = stateApartFromAudit(secure.h.server);
    const a = channel(gatewayA);
    await a.one({ case: "bindAccounts", value: { accountIds: [FOREIGN_ACCOUNT] } });
    expect(stateApartFromAudit(secure.h.server)).toEqual(before);
  });
});
