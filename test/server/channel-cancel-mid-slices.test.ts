/**
 * Found by review (session 29, a wire-level fuzz), fixed: a client that cancels its stream (a
 * crashed gateway) while a big message is being run in slices was treated as if it had
 * half-closed.
 *
 * account-channel-service.ts says: "Once the channel has closed (the door closed it in an
 * earlier slice, shutdown, the client went), its remaining commands are refused
 * SHUTTING_DOWN ... Shutdown's drain and the client's half-close finish the slices at once",
 * and a cancelled call is "lost" (CONNECTION_LOST, test/server/controls-cancel-on-disconnect).
 *
 * It was not: grpc-js ends the read side of the reset stream first, and the 'end' handler
 * finished every remaining slice of the cancelled client's message at once, before telling a
 * reset from a half-close one turn later: ~3 800 orders (commit_on_accept) committed after the
 * client had gone. Now the 'end' handler waits that turn before finishing anything.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { COMMANDS_PER_SLICE } from "../../src/server/services/account-channel-service.js";
import { ACCOUNT, holdingsOf, order, seed, startHarness, type Harness } from "./harness.js";
import { openEventTap } from "./controls-helpers.js";

// When the server's stream object hears of the reset ('end' of the read side, 'cancelled').
const heard: { event: string; slicesRun: number }[] = [];
let slicesRun = 0;
const serverCall = createRequire(import.meta.url)("@grpc/grpc-js/build/src/server-call.js");
const emit = serverCall.ServerDuplexStreamImpl.prototype.emit;
serverCall.ServerDuplexStreamImpl.prototype.emit = function (event: string, ...args: unknown[]) {
  if (event === "end" || event === "cancelled") heard.push({ event, slicesRun });
  return emit.call(this, event, ...args);
};

describe("cancel while a big message runs in slices", () => {
  let h: Harness;
  let closedByTest = false;
  afterEach(async () => {
    if (!closedByTest) await h.close();
  });

  it("the remaining slices are not run and the rollback says CONNECTION_LOST", async () => {
    h = await startHarness();
    const tap = await openEventTap(h.clients, h.server.state.events);
    const c = h.channel();
    await c.send(seed("USD", "1000000"));
    // One open reservation (10 x 100 = 1000 USD held) for the close to roll back.
    await c.one({ case: "executePreTrade", value: { order: order({ qty: "10", price: "100" }) } });

    // Count the slices the door runs for this channel.
    const state = h.server.state;
    slicesRun = 0;
    heard.length = 0;
    const reasons: string[] = [];
    const close = state.closeChannel.bind(state);
    state.closeChannel = (id, reason) => {
      reasons.push(reason);
      close(id, reason);
    };
    let firstSlice!: () => void;
    const ranFirst = new Promise<void>((r) => (firstSlice = r));
    const run = state.runChannel.bind(state);
    state.runChannel = (id, commands, bases) => {
      slicesRun++;
      firstSlice();
      return run(id, commands, bases);
    };

    const slices = 120;
    const big = Array.from({ length: COMMANDS_PER_SLICE * slices }, () => ({
      case: "executePreTrade" as const,
      value: { order: order({ qty: "1", price: "1" }), commitOnAccept: true },
    }));
    const closed = h.nextChannelClose();
    void c.send(...big).catch(() => {});
    await ranFirst;
    // The gateway crashes right after its message started running.
    c.cancel();
    await closed;

    const rolledBack = await tap.next("reservationsRolledBack");
    const heardAt = heard[0]!;
    const held = Number((await holdingsOf(h, ACCOUNT)).USD!.held);
    expect({
      // No slice of the message runs once the server has heard of the reset.
      slicesRunAfterResetHeard: slicesRun - heardAt.slicesRun,
      // Orders of the cancelled message committed: only those of slices run before the reset was heard.
      committed: held,
      closeReason: reasons,
      rollbackReason: (rolledBack.reservationsRolledBack as { reason: string }).reason,
    }).toEqual({
      slicesRunAfterResetHeard: 0,
      committed: heardAt.slicesRun * COMMANDS_PER_SLICE,
      closeReason: ["lost"],
      rollbackReason: "ROLLBACK_REASON_CONNECTION_LOST",
    });
    tap.close();
    // Nothing of the message is left to run once the client went: shut the sidecar down (its
    // journal closes) and let the turns pass in which the remaining slices would have run.
    // Found in session 29's suite run: a slice refused after the shutdown threw
    // JournalClosedError from afterDurable, uncaught.
    closedByTest = true;
    await h.close();
    for (let turn = 0; turn < slices + 10; turn++) await new Promise((r) => setImmediate(r));
  }, 30_000);
});
