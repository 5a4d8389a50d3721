import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { credentials, makeGenericClientConstructor, status, type ClientDuplexStream } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { CommandSchema, OpenRequestSchema, OpenResponseSchema, type CommandResult, type OpenResponse } from "../../gen/openpit/sidecar/v1/channel_pb.js";
import { ErrorCode } from "../../gen/openpit/sidecar/v1/errors_pb.js";
import * as pb from "../../gen/openpit/sidecar/v1/types_pb.js";
import { MessageRefusedError, type AccountChannel } from "../../src/client/index.js";
import { ACCOUNT, OTHER_ACCOUNT, order, seed, startHarness, testConfig, type Harness } from "./harness.js";
import { adminFailure, as, errorOf, handleId } from "./results.js";

const execute = (o: pb.Order) => ({ case: "executePreTrade", value: { order: o } }) as const;
const ORDER = "commands[0].execute_pre_trade.order";

function expectError(r: CommandResult | undefined, code: ErrorCode, field: string, message: string): void {
  expect(errorOf(r)).toMatchObject({ code, field, message });
}

/** An account no test pins elsewhere. */
const SPARE = 5n;

/** The stream survived the bad input: a good command on it is still answered. */
async function expectStillUp(ch: AccountChannel): Promise<void> {
  const r = await ch.one({ case: "executePreTradeDryRun", value: { order: order({ accountId: SPARE }) } });
  expect(as(r, "dryRun").rejects.map((x) => x.reason)).toEqual(["spot funds insufficient"]);
}

describe("bad input: a per-command error, and the stream stays up", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("malformed and out-of-range decimals, and a negative quantity", async () => {
    h = await startHarness();
    const ch = h.channel();
    const rs = await ch.send(
      execute(order({ qty: "1e5" })),
      execute(order({ price: "abc" })),
      execute(order({ price: "1.00000000000000000000000000001" })),
      execute(order({ qty: "79228162514264337593543950336" })),
      execute(order({ qty: "-1" })),
    );
    const at = (i: number) => `commands[${i}].execute_pre_trade.order`;
    expectError(
      rs[0],
      ErrorCode.INVALID_VALUE,
      `${at(0)}.quantity`,
      `${at(0)}.quantity: InvalidFormat: Quantity: '1e5' is not a plain decimal number`,
    );
    expectError(rs[1], ErrorCode.INVALID_VALUE, `${at(1)}.price`, `${at(1)}.price: InvalidFormat: Price: 'abc' is not a plain decimal number`);
    expectError(
      rs[2],
      ErrorCode.INVALID_VALUE,
      `${at(2)}.price`,
      `${at(2)}.price: Underflow: Price: '1.00000000000000000000000000001' has more than 28 fractional digits`,
    );
    expectError(
      rs[3],
      ErrorCode.INVALID_VALUE,
      `${at(3)}.quantity`,
      `${at(3)}.quantity: Overflow: Quantity: '79228162514264337593543950336' is outside ±79228162514264337593543950335`,
    );
    expectError(rs[4], ErrorCode.INVALID_VALUE, `${at(4)}.quantity`, `${at(4)}.quantity: Negative: Quantity: value -1 must not be negative`);
    // The largest representable value itself decodes; a policy, not the codec, refuses it.
    const max = await ch.one(execute(order({ qty: "79228162514264337593543950335", price: "0" })));
    expect(as(max, "execute").rejects.map((r) => [r.reason, r.details])).toEqual([
      ["order quantity exceeded", "requested 79228162514264337593543950335, max allowed: 1000"],
    ]);
    await expectStillUp(ch);
  });

  it("an optional decimal sent empty is INVALID_VALUE, not 'required' (found by review, session 44)", async () => {
    h = await startHarness();
    const ch = h.channel();
    const rs = await ch.send(execute(order({ price: "" })), execute(order({ price: undefined })));
    expectError(rs[0], ErrorCode.INVALID_VALUE, `${ORDER}.price`, `${ORDER}.price: must not be empty when present`);
    // Absent, the price makes a market order: no field error (SpotFunds needs a price or a mark).
    expect(rs[1]?.result.case).toBe("execute");
    const [report] = await h.feed().publish(create(pb.ExecutionReportSchema, { accountId: SPARE, fee: "" }));
    expect(report?.result.case === "error" ? report.result.value : report).toMatchObject({ code: ErrorCode.INVALID_VALUE, field: "reports[0].fee", message: "reports[0].fee: must not be empty when present" });
    await expectStillUp(ch);
  });

  it("missing required fields and an unknown enum value", async () => {
    h = await startHarness();
    const ch = h.channel();
    const noAmount = order();
    noAmount.tradeAmount = { case: undefined };
    const rs = await ch.send(
      { case: "executePreTrade", value: {} },
      execute(order({ instrument: undefined })),
      execute(order({ accountId: 0n })),
      execute(noAmount),
      execute(order({ side: pb.Side.UNSPECIFIED })),
      execute(order({ side: 7 as pb.Side })),
      { case: undefined },
    );
    const at = (i: number) => `commands[${i}].execute_pre_trade.order`;
    expectError(rs[0], ErrorCode.MISSING_FIELD, at(0), `${at(0)} is required`);
    expectError(rs[1], ErrorCode.MISSING_FIELD, `${at(1)}.instrument`, `${at(1)}.instrument is required`);
    expectError(rs[2], ErrorCode.MISSING_FIELD, `${at(2)}.account_id`, `${at(2)}.account_id is required`);
    expectError(rs[3], ErrorCode.MISSING_FIELD, `${at(3)}.quantity|volume`, `${at(3)}.quantity|volume is required`);
    expectError(rs[4], ErrorCode.MISSING_FIELD, `${at(4)}.side`, `${at(4)}.side is required`);
    expectError(rs[5], ErrorCode.UNKNOWN_ENUM, `${at(5)}.side`, `${at(5)}.side: unknown enum value 7`);
    expectError(rs[6], ErrorCode.MISSING_FIELD, "commands[6].command", "commands[6]: the message carries no command");
    await expectStillUp(ch);
  });

  it("an account the strict account list does not name", async () => {
    h = await startHarness(testConfig({ accounts: { strict: true, list: [{ id: OTHER_ACCOUNT.toString() }, { id: SPARE.toString() }] } }));
    const ch = h.channel();
    const [exec, bind] = await ch.send(execute(order()), { case: "bindAccounts", value: { accountIds: [OTHER_ACCOUNT, ACCOUNT] } });
    expectError(exec, ErrorCode.UNKNOWN_NAME, `${ORDER}.account_id`, `${ORDER}.account_id: account is not configured on this sidecar`);
    const f = "commands[1].bind_accounts.account_ids[1]";
    expectError(bind, ErrorCode.UNKNOWN_NAME, f, `${f}: account is not configured on this sidecar`);
    await expectStillUp(ch);
  });

  it("admin: an unregistered instrument id and an unknown policy name are NOT_FOUND with a stable kind", async () => {
    h = await startHarness();
    expect(await adminFailure(h, "pushQuote", { target: { case: "instrumentId", value: 42n }, quote: { mark: "1" } })).toEqual([
      status.NOT_FOUND,
      "instrument_id: UnknownInstrumentId: instrument id 42 is not registered",
      "UnknownInstrumentId",
    ]);
    expect(await adminFailure(h, "configurePolicy", { policyName: "NoSuchPolicy", settingsJson: "{}" })).toEqual([
      status.NOT_FOUND,
      "no policy named 'NoSuchPolicy'",
      "UNKNOWN_NAME",
    ]);
  });

  it("a batch over limits.maxCommandsPerMessage: refused whole (OpenResponse.error, no results), nothing run", async () => {
    h = await startHarness(testConfig({ limits: { maxCommandsPerMessage: 3 } }));
    const ch = h.channel();
    const response = await ch.sendRaw([seed("USD", "1000"), seed("USD", "2000"), seed("USD", "3000"), seed("USD", "4000")].map((command) => create(CommandSchema, { command })));
    expect(response.results).toEqual([]);
    expect(response.error).toMatchObject({ code: ErrorCode.BATCH_TOO_LARGE, field: "commands", message: "commands: 4 commands in one message; at most 3" });
    await expect(ch.send(seed("USD", "1"), seed("USD", "2"), seed("USD", "3"), seed("USD", "4"))).rejects.toThrow(
      new MessageRefusedError(response.error!),
    );
    const state = await h.admin<{ holdings: unknown[] }>("getAccountState", { accountId: ACCOUNT });
    expect(state.holdings).toEqual([]);
    expect((await ch.send(seed("USD", "1"), seed("USD", "2"), seed("USD", "3"))).map((r) => r.result.case)).toEqual([
      "adjustment",
      "adjustment",
      "adjustment",
    ]);
  });

  it("handles: wrong kind, unknown, foreign and consumed ids", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const requestId = as(await ch.one({ case: "startPreTrade", value: { order: order() } }), "start").requestId;
    const other = h.channel();
    const foreignId = as(await other.one(execute(order({ accountId: OTHER_ACCOUNT, price: "0" }))), "execute").reservationId;
    expect(foreignId).toBe(handleId(2n, 1n));

    const commit = "commands[0].commit_reservation.reservation_id";
    const [wrongKind] = await ch.send({ case: "commitReservation", value: { reservationId: requestId } });
    expectError(wrongKind, ErrorCode.WRONG_HANDLE_KIND, commit, `${commit}: handle ${requestId} is a request, not a reservation`);
    // A wrong-kind command leaves the handle usable.
    const reservationId = as(await ch.one({ case: "executeRequest", value: { requestId } }), "execute").reservationId;
    expect(reservationId).toBe(handleId(1n, 2n));

    const rollback = (id: bigint) => ({ case: "rollbackReservation", value: { reservationId: id } }) as const;
    const unissued = handleId(1n, 99n);
    const rs = await ch.send(rollback(12345n), rollback(unissued), rollback(foreignId), rollback(reservationId), rollback(reservationId));
    const at = (i: number) => `commands[${i}].rollback_reservation.reservation_id`;
    expectError(rs[0], ErrorCode.UNKNOWN_HANDLE, at(0), `${at(0)}: no handle 12345 on this channel`);
    expectError(rs[1], ErrorCode.UNKNOWN_HANDLE, at(1), `${at(1)}: no handle ${unissued} on this channel`);
    expectError(rs[2], ErrorCode.FOREIGN_HANDLE, at(2), `${at(2)}: handle ${foreignId} belongs to another channel`);
    expect(as(rs[3], "finalize").id).toBe(reservationId);
    expectError(rs[4], ErrorCode.HANDLE_CONSUMED, at(4), `${at(4)}: handle ${reservationId} was already used, expired or fenced`);
    // The foreign reservation was not touched by the attempt.
    expect(as(await other.one(rollback(foreignId)), "finalize").id).toBe(foreignId);
    await expectStillUp(ch);
  });

  it("handles naming a channel the sidecar never opened (up to 2^64 - 1) are unknown, not another channel's (found by review)", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const U64_MAX = (1n << 64n) - 1n;
    const next = handleId(2n, 1n); // channel 2: not opened yet
    const rs = await ch.send(
      { case: "commitReservation", value: { reservationId: U64_MAX } },
      { case: "executeRequest", value: { requestId: U64_MAX } },
      { case: "rollbackReservation", value: { reservationId: next } },
    );
    const at = (i: number, command: string, field: string) => `commands[${i}].${command}.${field}`;
    expectError(rs[0], ErrorCode.UNKNOWN_HANDLE, at(0, "commit_reservation", "reservation_id"), `${at(0, "commit_reservation", "reservation_id")}: no handle ${U64_MAX} on this channel`);
    expectError(rs[1], ErrorCode.UNKNOWN_HANDLE, at(1, "execute_request", "request_id"), `${at(1, "execute_request", "request_id")}: no handle ${U64_MAX} on this channel`);
    expectError(rs[2], ErrorCode.UNKNOWN_HANDLE, at(2, "rollback_reservation", "reservation_id"), `${at(2, "rollback_reservation", "reservation_id")}: no handle ${next} on this channel`);
    // Once channel 2 has issued it, the id is another channel's.
    const other = h.channel();
    expect(as(await other.one(execute(order({ accountId: OTHER_ACCOUNT, price: "0" }))), "execute").reservationId).toBe(next);
    const [foreign] = await ch.send({ case: "rollbackReservation", value: { reservationId: next } });
    expectError(foreign, ErrorCode.FOREIGN_HANDLE, at(0, "rollback_reservation", "reservation_id"), `${at(0, "rollback_reservation", "reservation_id")}: handle ${next} belongs to another channel`);
    await expectStillUp(ch);
  });

  it("an open channel's id past what it issued, or of sequence 0, is unknown; a closed channel's ids are foreign (found by review, session 43)", async () => {
    h = await startHarness();
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const other = h.channel();
    const issued = as(await other.one(execute(order({ accountId: OTHER_ACCOUNT, price: "0" }))), "execute").reservationId;
    expect(issued).toBe(handleId(2n, 1n));
    const rollback = (id: bigint) => ({ case: "rollbackReservation", value: { reservationId: id } }) as const;
    const at = (i: number) => `commands[${i}].rollback_reservation.reservation_id`;
    const rs = await ch.send(rollback(handleId(2n, 2n)), rollback(handleId(2n, 0n)), rollback(issued));
    expectError(rs[0], ErrorCode.UNKNOWN_HANDLE, at(0), `${at(0)}: no handle ${handleId(2n, 2n)} on this channel`);
    expectError(rs[1], ErrorCode.UNKNOWN_HANDLE, at(1), `${at(1)}: no handle ${handleId(2n, 0n)} on this channel`);
    expectError(rs[2], ErrorCode.FOREIGN_HANDLE, at(2), `${at(2)}: handle ${issued} belongs to another channel`);
    // Closed, channel 2 keeps no table: how far it got is not known, so any of its ids may have been issued.
    await other.end();
    const [closed] = await ch.send(rollback(handleId(2n, 2n)));
    expectError(closed, ErrorCode.FOREIGN_HANDLE, at(0), `${at(0)}: handle ${handleId(2n, 2n)} belongs to another channel`);
    await expectStillUp(ch);
  });

  it("too many open handles: RESOURCE_EXHAUSTED until one is finalized", async () => {
    h = await startHarness(testConfig({ limits: { maxOpenHandlesPerChannel: 2 } }));
    const ch = h.channel();
    await ch.send(seed("USD", "10000"));
    const rs = await ch.send(
      execute(order()),
      { case: "startPreTrade", value: { order: order() } },
      execute(order()),
      { case: "startPreTrade", value: { order: order() } },
      { case: "executePreTrade", value: { order: order(), commitOnAccept: true } },
    );
    expect(rs.map((r) => r.result.case)).toEqual(["execute", "start", "error", "error", "execute"]);
    const full = "2 requests/reservations are open on this channel; commit, roll back or discard some first";
    expectError(rs[2], ErrorCode.RESOURCE_EXHAUSTED, "commands[2]", `commands[2]: ${full}`);
    expectError(rs[3], ErrorCode.RESOURCE_EXHAUSTED, "commands[3]", `commands[3]: ${full}`);
    // Committed on accept it leaves no handle behind, so the cap does not apply.
    expect(as(rs[4], "execute")).toMatchObject({ accepted: true, committed: true });

    await ch.one({ case: "discardRequest", value: { requestId: handleId(1n, 2n) } });
    expect(as(await ch.one(execute(order())), "execute").reservationId).toBe(handleId(1n, 3n));
  });

  it("bytes that are not protobuf: one error result, and the stream stays up", async () => {
    h = await startHarness();
    const Raw = makeGenericClientConstructor(
      {
        open: {
          path: "/openpit.sidecar.v1.AccountChannelService/Open",
          requestStream: true,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => fromBinary(OpenResponseSchema, b),
        },
      },
      "RawAccountChannel",
    );
    const client = new Raw(h.address, credentials.createInsecure());
    const call = (client as unknown as { open(): ClientDuplexStream<Buffer, OpenResponse> }).open();
    const received: OpenResponse[] = [];
    const twoResponses = new Promise<void>((resolve) => {
      call.on("data", (m: OpenResponse) => {
        received.push(m);
        if (received.length === 2) resolve();
      });
    });
    call.write(Buffer.from([0xff, 0xff, 0xff]));
    const good = create(OpenRequestSchema, { correlationId: 7n, commands: [{ command: seed("USD", "5") }] });
    call.write(Buffer.from(toBinary(OpenRequestSchema, good)));
    await twoResponses;

    expect(received[0]!.correlationId).toBe(0n);
    expect(received[0]!.results).toHaveLength(1);
    const decode = errorOf(received[0]!.results[0]);
    expect(decode.code).toBe(ErrorCode.INVALID_VALUE);
    expect(decode.message).toMatch(/^message could not be decoded: /);
    expect(received[1]!.correlationId).toBe(7n);
    expect(as(received[1]!.results[0], "adjustment").accepted).toBe(true);
    call.end();
    client.close();
  });
});
