/**
 * Reads of the state are answered once what they saw is durable (found by review). The admin
 * queries answered from the engine at once: a block whose record still waited for its
 * fdatasync (or the stream's ack) was already visible, and stayed visible if the journal then
 * failed, so a gateway told to "query GetAccountState before re-sending" could trust a change
 * the journal lost. Now such a reply waits as the change's own answer does; diagnostics
 * (GetJournalStatus, GetServerStatus, ListChannels) still answer at once; reads are refused
 * while the journal is replayed; in replicated mode a read of an account goes to its owner.
 */
import { create } from "@bufbuild/protobuf";
import { status, type ServiceError } from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import type { AccountId } from "../../src/param/index.js";
import { adminService } from "../../src/server/services/admin-service.js";
import { LiveStreams } from "../../src/server/services/live-streams.js";
import type { OwnershipGate } from "../../src/replication/ownership-gate.js";
import type { ServingPhase } from "../../src/server/services/service-context.js";
import { CommandError } from "../../src/state/command-error.js";
import { FileJournal } from "../../src/state/journal/file-journal.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { nextTurn, releaseUntilDurable, useTempDirs, type HeldFsync } from "../state/journal/journal-test-helpers.js";
import { ACCOUNT } from "./harness.js";
import { stateOnHeldJournal } from "../state/held-journal-state.js";

type Unary = (call: unknown, callback: (error: Partial<ServiceError> | null, reply: unknown) => void) => void;

describe("durable reads (no sockets)", () => {
  const tempDir = useTempDirs();
  let state: SidecarState;
  let fsync: HeldFsync;
  let journal: FileJournal;
  let phase: ServingPhase;
  let gate: OwnershipGate | undefined;
  let admin: Record<string, Unary>;

  beforeEach(() => {
    ({ state, fsync, journal } = stateOnHeldJournal(tempDir(), "sync"));
    phase = "serving";
    gate = undefined;
    admin = adminService({
      state,
      streams: new LiveStreams(),
      phase: () => phase,
      channelWriters: new Map(),
      get ownership() {
        return gate;
      },
    }) as unknown as Record<string, Unary>;
  });
  afterEach(async () => {
    await releaseAll();
    await journal.close();
  });

  const releaseAll = () => releaseUntilDurable(journal, fsync);

  /** Calls `method`; the returned record fills in when (if) it is answered. */
  function call(method: string, request: unknown) {
    const answer: { error?: Partial<ServiceError> | null; reply?: unknown; answered: boolean } = { answered: false };
    admin[method]!({ request, metadata: { get: () => [] }, getPeer: () => "test" }, (error, reply) => Object.assign(answer, { error, reply, answered: true }));
    return answer;
  }
  const accountState = () => call("getAccountState", create(ad.GetAccountStateRequestSchema, { accountId: ACCOUNT }));

  it("a read that saw a change not yet durable is answered with it once it is, not before", async () => {
    const before = accountState();
    expect(before).toMatchObject({ answered: true, error: null });
    expect((before.reply as ad.GetAccountStateResponse).block).toBeUndefined();

    const blocked = call("blockAccount", create(ad.BlockAccountRequestSchema, { accountId: ACCOUNT, reason: "review" }));
    const read = accountState();
    // Diagnostics are not held: an operator looks at a stalled journal with them.
    const journalStatus = call("getJournalStatus", create(ad.GetJournalStatusRequestSchema, {}));
    expect(journalStatus.answered).toBe(true);
    await nextTurn();
    expect(fsync.count()).toBe(1);
    expect({ change: blocked.answered, read: read.answered }).toEqual({ change: false, read: false });

    await releaseAll();
    expect({ change: blocked.answered, read: read.answered }).toEqual({ change: true, read: true });
    expect((read.reply as ad.GetAccountStateResponse).block?.reason).toBe("review");
    // Nothing waits now: the next read is answered at once.
    expect(accountState().answered).toBe(true);
  });

  it("reads are refused while the journal is replayed and once failed closed", () => {
    phase = "recovering";
    expect(accountState()).toMatchObject({ answered: true, error: { code: status.UNAVAILABLE, details: "the sidecar is recovering its state; retry shortly" } });
    phase = "failed";
    expect(accountState()).toMatchObject({ answered: true, error: { code: status.UNAVAILABLE, details: "the sidecar is shutting down" } });
  });

  it("in replicated mode a read of an account another instance owns is refused NOT_OWNER, naming the owner", () => {
    gate = {
      refuseAccount: (id: AccountId, field: string) =>
        id === (ACCOUNT as AccountId) ? new CommandError("NOT_OWNER", field, `account ${id} is owned by instance b`, "10.0.0.2:50051") : undefined,
      refuseUnowned: () => undefined,
      refuseAccountless: () => undefined,
      refuseAdmin: () => undefined,
      ownerElsewhere: () => undefined,
    };
    const refused = accountState();
    expect(refused.answered).toBe(true);
    expect(refused.error?.details).toBe(`account ${ACCOUNT} is owned by instance b`);
    expect(refused.error?.metadata?.get("openpit-owner-address")).toEqual(["10.0.0.2:50051"]);
  });
});
