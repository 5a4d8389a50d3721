/**
 * The codec on its own: wire commands to domain commands (every malformed field named),
 * domain results and notices to the wire, and the error-code mapping.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ch from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import { PreTradeLock } from "../../src/model/index.js";
import { AccountId, PolicyGroupId, PositionSize, Price } from "../../src/param/index.js";
import { decodeChannelCommand, encodeChannelResult, encodeErrorCode, encodeNotice } from "../../src/server/codec/index.js";
import { CommandError, type CommandErrorCode } from "../../src/state/command-error.js";
import { order } from "./harness.js";

const command = (init: ch.Command["command"]) => create(ch.CommandSchema, { command: init }).command;

function decodeError(c: ch.Command["command"], max = 8): { code: string; field: string; message: string } {
  try {
    decodeChannelCommand(c, "commands[3]", max);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    return { code: e.code, field: e.field, message: e.message };
  }
  throw new Error("expected a decode error");
}

describe("codec: channel commands", () => {
  it("an execute decodes to a domain order with exact decimals", () => {
    const c = decodeChannelCommand(command({ case: "executePreTrade", value: create(ch.ExecutePreTradeSchema, { order: order({ qty: "10.50", price: "185.25" }), commitOnAccept: true }) }), "commands[0]", 8);
    expect(c.kind).toBe("execute");
    if (c.kind !== "execute") return;
    expect(c.commitOnAccept).toBe(true);
    const op = c.order.operation!;
    expect([op.side, op.tradeAmount?.value.toString(), op.price?.toString(), op.instrument]).toEqual(["BUY", "10.50", "185.25", { underlyingAsset: "AAPL", settlementAsset: "USD" }]);
  });

  it("malformed fields are named with their full path", () => {
    expect(decodeError(command({ case: "executePreTrade", value: create(ch.ExecutePreTradeSchema, { order: order({ price: "1e5" }) }) }))).toEqual({
      code: "INVALID_VALUE",
      field: "commands[3].execute_pre_trade.order.price",
      message: expect.stringMatching(/^commands\[3\]\.execute_pre_trade\.order\.price: /) as unknown as string,
    });
    expect(decodeError(command({ case: "bindAccounts", value: create(ch.BindAccountsSchema, { accountIds: [5n, 0n] }) }))).toEqual({
      code: "MISSING_FIELD",
      field: "commands[3].bind_accounts.account_ids[1]",
      message: "commands[3].bind_accounts.account_ids[1] is required",
    });
    expect(decodeError(command({ case: undefined }))).toEqual({
      code: "MISSING_FIELD",
      field: "commands[3].command",
      message: "commands[3]: the message carries no command",
    });
    expect(
      decodeError(command({ case: "applyAccountAdjustment", value: create(ch.ApplyAccountAdjustmentSchema, { accountId: 1n, adjustments: [{}, {}, {}] }) }), 2),
    ).toEqual({
      code: "INVALID_VALUE",
      field: "commands[3].apply_account_adjustment.adjustments",
      message: "commands[3].apply_account_adjustment.adjustments: at most 2 adjustments per batch",
    });
  });
});

describe("codec: results and notices", () => {
  it("an accepted execute carries the reservation, the lock and the outcomes as strings", () => {
    const lock = PreTradeLock.of([[PolicyGroupId.DEFAULT, Price.fromString("185.50")]]);
    const outcomes = [{ policyGroupId: PolicyGroupId.DEFAULT, entry: { asset: "USD", held: { delta: PositionSize.fromString("1855.0"), absolute: PositionSize.fromString("1855.0") } } }];
    const r = encodeChannelResult({ kind: "executeAccepted", reservationId: 7n, committed: false, lock, outcomes });
    expect(r.result.case).toBe("execute");
    const v = r.result.value as ch.ExecuteResult;
    expect([v.accepted, v.reservationId, v.committed]).toEqual([true, 7n, false]);
    expect(v.lock?.prices.map((p) => [p.policyGroupId, p.price])).toEqual([[0, "185.50"]]);
    expect(v.accountAdjustments[0]?.held).toMatchObject({ delta: "1855.0", absolute: "1855.0" });
  });

  it("a command error keeps its code, field and message", () => {
    const r = encodeChannelResult({ kind: "error", error: new CommandError("HANDLE_CONSUMED", "commands[0].commit_reservation.reservation_id", "used") });
    expect(r.result).toMatchObject({ case: "error", value: { code: ErrorCode.HANDLE_CONSUMED, field: "commands[0].commit_reservation.reservation_id", message: "used" } });
  });

  it("every domain error code has the wire code of the same name", () => {
    const codes: CommandErrorCode[] = [
      "MISSING_FIELD", "INVALID_VALUE", "UNKNOWN_ENUM", "UNKNOWN_HANDLE", "FOREIGN_HANDLE", "HANDLE_CONSUMED", "WRONG_HANDLE_KIND",
      "ACCOUNT_PINNED_ELSEWHERE", "RESOURCE_EXHAUSTED", "BATCH_TOO_LARGE", "UNKNOWN_NAME", "SHUTTING_DOWN", "FAILED_PRECONDITION",
      "INTERNAL", "UNAVAILABLE", "PERMISSION_DENIED", "UNAUTHENTICATED",
    ];
    for (const code of codes) expect(ErrorCode[encodeErrorCode(code)]).toBe(code);
  });

  it("notices: fenced and expired", () => {
    const fenced = encodeNotice({ kind: "fenced", accountIds: [AccountId.fromU64(4)], rolledBack: [9n], abandoned: [10n] });
    expect(fenced.notice?.notice).toMatchObject({ case: "accountsFenced", value: { accountIds: [4n], rolledBackReservationIds: [9n], abandonedRequestIds: [10n] } });
    const expired = encodeNotice({ kind: "expired", reservationIds: [3n] });
    expect(expired.notice?.notice).toMatchObject({ case: "handlesExpired", value: { reservationIds: [3n] } });
  });
});
