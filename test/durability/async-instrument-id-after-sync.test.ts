/**
 * In async durability an answer naming an instrument id the state assigned (RegisterInstrument
 * without an id, PushQuote registering an instrument on first sight) left before its record was
 * on disk: a crash took the assignment back, and the restart gave the same id to the next
 * instrument registered, whose prices the first one's publisher then set by that id (found by
 * review, session 45). Such answers now wait for the sync, as reads do; other changes are still
 * answered at once (test/state/async-events-after-sync.test.ts).
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as ad from "../../gen/openpit/sidecar/v1/admin_pb.js";
import { adminService } from "../../src/server/services/admin-service.js";
import type { ServiceContext } from "../../src/server/services/service-context.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import { nextTurn, releaseUntilDurable } from "../state/journal/journal-test-helpers.js";
import { useStateOnHeldJournal } from "../state/held-journal-state.js";

type Cb<R> = (e: unknown, r: R | null) => void;
function admin(state: SidecarState) {
  return adminService({ state, phase: () => "serving" } as unknown as ServiceContext) as unknown as {
    registerInstrument: (call: { request: ad.RegisterInstrumentRequest }, cb: Cb<ad.RegisterInstrumentResponse>) => void;
    pushQuote: (call: { request: ad.PushQuoteRequest }, cb: Cb<ad.PushQuoteResponse>) => void;
  };
}

describe("async durability: an answer naming a newly assigned instrument id", () => {
  const held = useStateOnHeldJournal("async");

  it("RegisterInstrument without an id is answered only once its record is on disk", async () => {
    const { state, fsync, journal } = held();
    const seen: bigint[] = [];
    admin(state).registerInstrument(
      { request: create(ad.RegisterInstrumentRequestSchema, { instrument: { underlyingAsset: "MSFT", settlementAsset: "USD" } }) },
      (_e, r) => void (r && seen.push(r.instrumentId)),
    );
    await nextTurn();
    expect(fsync.count()).toBe(1); // written, its fdatasync held
    expect(seen).toEqual([]);
    await releaseUntilDurable(journal, fsync);
    expect(seen).toEqual([0n]);
  });

  it("PushQuote by a new instrument (auto-registered) is answered only once its record is on disk", async () => {
    const { state, fsync, journal } = held();
    const seen: bigint[] = [];
    admin(state).pushQuote(
      { request: create(ad.PushQuoteRequestSchema, { target: { case: "instrument", value: { underlyingAsset: "MSFT", settlementAsset: "USD" } }, quote: { bid: "1", ask: "2" } } as never) },
      (_e, r) => void (r && seen.push(r.instrumentId)),
    );
    await nextTurn();
    expect(fsync.count()).toBe(1);
    expect(seen).toEqual([]);
    await releaseUntilDurable(journal, fsync);
    expect(seen).toEqual([0n]);
  });

  it("a PushQuote naming an instrument by id is answered at once: its answer repeats the caller's id", async () => {
    const { state, fsync, journal } = held();
    const service = admin(state);
    service.registerInstrument({ request: create(ad.RegisterInstrumentRequestSchema, { instrument: { underlyingAsset: "MSFT", settlementAsset: "USD" } }) }, () => {});
    await releaseUntilDurable(journal, fsync);
    const seen: bigint[] = [];
    service.pushQuote({ request: create(ad.PushQuoteRequestSchema, { target: { case: "instrumentId", value: 0n }, quote: { mark: "3" } } as never) }, (_e, r) => void (r && seen.push(r.instrumentId)));
    await nextTurn();
    expect(fsync.count()).toBe(1); // the quote's record is written, its fdatasync held
    expect(seen).toEqual([0n]);
  });
});
