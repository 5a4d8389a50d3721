/**
 * The zombie of test/ha/zombie.test.ts, on fakes: the stream refused the replicated journal's
 * append (another writer claimed it), the journal failed and the instance was fenced, but it
 * stays up refusing until the new owner is known (start-failover.ts). What reaches its streams
 * meanwhile must not be answered (nothing after the failure is) and must not throw the
 * journal's failure either: grpc-js hands a message to the 'data' listener from a promise
 * chain of its own, so a throw there became an unhandled rejection, and the process failed
 * closed (exit 70) before its fenced exit (75).
 */
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { buildState } from "../../src/app/build-sidecar.js";
import { ManualClock } from "../../src/engine/index.js";
import { JetStreamJournal } from "../../src/replication/jetstream-journal.js";
import { parseSidecarConfig } from "../../src/server/config/sidecar-config.js";
import { accountChannelService } from "../../src/server/services/account-channel-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { OwnershipGate } from "../../src/replication/ownership-gate.js";
import { CommandError } from "../../src/state/command-error.js";
import { setFailureReporter, type FailureReporter } from "../../src/state/guarded.js";
import { JournalFailedError } from "../../src/state/journal/journal.js";
import { order, seed, testConfig } from "../server/harness.js";
import { as } from "../server/results.js";
import { FakeChannelCall } from "../server/fake-server-call.js";

/** The lease gate once fenced: everything refused NOT_OWNER before the door (lease-ownership-gate.ts). */
class FakeGate implements OwnershipGate {
  fenced = false;
  refuseAccount(_accountId: unknown, field: string): CommandError | undefined {
    return this.refuseUnowned(field);
  }
  refuseUnowned(field: string): CommandError | undefined {
    return this.fenced ? new CommandError("NOT_OWNER", field, `${field}: this instance was fenced off and serves nothing`) : undefined;
  }
  refuseAccountless(field: string): CommandError | undefined {
    return this.refuseUnowned(field);
  }
  refuseAdmin(): CommandError | undefined {
    return this.refuseUnowned("");
  }
  ownerElsewhere(): undefined {
    return undefined;
  }
}

const buy = () => ({ case: "executePreTrade", value: { order: order({ qty: "1", price: "100" }), commitOnAccept: true } }) as const;

let restoreReporter: FailureReporter | undefined;
afterEach(() => {
  if (restoreReporter) setFailureReporter(restoreReporter);
  restoreReporter = undefined;
});

describe("a fenced instance's streams after its replicated journal failed", () => {
  function setup() {
    const state = buildState(parseSidecarConfig(testConfig()), new ManualClock(1000));
    const gate = new FakeGate();
    // The stream: acknowledges each publish, until another writer's epoch markers moved the subjects.
    let streamSequence = 10;
    let claimedElsewhere = false;
    const js = {
      publish: () =>
        claimedElsewhere
          ? Promise.reject(new JetStreamApiError({ code: 400, err_code: JetStreamApiCodes.StreamWrongLastSequence, description: "wrong last sequence: 12" }))
          : Promise.resolve({ seq: ++streamSequence }),
    } as unknown as JetStreamClient;
    const failures: JournalFailedError[] = [];
    const journal = new JetStreamJournal({
      connection: { isClosed: () => false } as unknown as NatsConnection,
      js,
      subjects: { prefix: "z", shardCount: 1 },
      epoch: 4n,
      nextSequence: 1n,
      lastSubjectSequences: [10, 10],
      lastStreamSequence: 10,
      // As start-failover.ts wires it: the coordinator fences at once (the gate refuses everything).
      onFatal: (e) => {
        failures.push(e);
        gate.fenced = true;
      },
    });
    state.attachJournal(journal);
    const service = accountChannelService({ state, streams: new LiveStreams(), phase: () => "serving", channelWriters: new Map(), ownership: gate }, { maxQueuedMessages: 16 });
    const call = new FakeChannelCall();
    (service.open as (c: unknown) => void)(call);
    return { state, journal, call, failures, claim: () => (claimedElsewhere = true) };
  }

  it("neither answers nor throws what arrives after the failure: a refused command, the stream going away", async () => {
    const { state, journal, call, failures, claim } = setup();
    const reported: string[] = [];
    restoreReporter = setFailureReporter((line) => reported.push(line));
    call.send(1n, seed("USD", "1000"));
    await journal.flush();
    expect(call.correlationIds).toEqual([1n]);

    // Another writer claims the journal: the next append is refused and the journal fails.
    claim();
    call.send(2n, buy());
    await expect(journal.flush()).rejects.toBeInstanceOf(JournalFailedError);
    expect(failures).toHaveLength(1);
    expect(journal.failed).toBe(failures[0]);

    // What waited behind the refused append arrives now: refused NOT_OWNER before the door,
    // its answer queued behind message 2's, which never comes. Before the fix this threw the
    // journal's failure out of the 'data' listener.
    expect(() => call.send(3n, buy())).not.toThrow();
    // The door's own afterDurable (every service orders its answers with it) drops what can never run.
    let ran = false;
    expect(() => state.afterDurable(() => (ran = true))).not.toThrow();
    // The gateway goes: the channel is closed as far as the failed journal allows (reported, not thrown).
    expect(() => call.emit("close")).not.toThrow();

    // Nothing after the failure was answered: neither the appended order nor the refusal.
    expect(call.correlationIds).toEqual([1n]);
    expect(ran).toBe(false);
    expect(as(call.written[0]!.results[0], "adjustment")).toBeDefined();
    expect(reported).toEqual([expect.stringMatching(/^openpit-sidecar: closing channel 1 failed: replicated journal failed: fenced: /)]);
    // The failure went to onFatal once (the fenced path), and nowhere else.
    expect(failures).toHaveLength(1);
  });
});
