/**
 * The feed hands the door each applied report's path in the message (`reports[i]`, for
 * its errors) only when it differs from the door's default (`reports[k]` for the k-th
 * applied report): in a later slice, or once a report was refused before the door. Over
 * random messages, offsets and refusals, the path the door would name for each applied
 * report must be that report's index in the whole message, as when every path was passed.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import * as fd from "../../gen/openpit/sidecar/v1/feed_pb.js";
import { decodePublishRequestToReports } from "../../src/server/codec/wire-reports.js";
import { decodePublishRequest } from "../../src/transport/wire/index.js";
import { publishAnswers } from "../../src/server/services/feed-service.js";
import type { OwnershipGate } from "../../src/replication/ownership-gate.js";
import { CommandError } from "../../src/state/command-error.js";
import type { SidecarState } from "../../src/state/sidecar-state.js";
import type { ExecutionReport } from "../../src/model/index.js";
import { seededRandom } from "../../bench/workload.js";

describe("feed: report paths handed to the door", () => {
  it("name each applied report by its index in the whole message (2 000 random messages, slices, refusals and unconfigured accounts)", () => {
    let refusedSome = 0;
    for (let seed = 1; seed <= 2_000; seed++) {
      const next = seededRandom(seed);
      const count = 1 + Math.floor(next() * 12);
      const ids = Array.from({ length: count }, () => BigInt(1 + Math.floor(next() * 6)));
      const request = create(fd.PublishRequestSchema, {
        correlationId: BigInt(seed),
        reports: ids.map((accountId) => ({
          instrument: { underlyingAsset: "AAPL", settlementAsset: "USD" },
          accountId,
          side: 1,
          lastTrade: { price: "185.25", quantity: "3" },
          lock: { prices: [{ price: "185.25" }] },
        })),
      });
      const bytes = toBinary(fd.PublishRequestSchema, request);
      // Both decoders: the direct one's reports skip the path; the generated one's do not.
      const m = next() < 0.7 ? decodePublishRequestToReports(bytes) : decodePublishRequest(bytes);
      const offset = next() < 0.5 ? 0 : 32 * Math.floor(1 + next() * 3);
      const refused = new Set(next() < 0.4 ? [] : [BigInt(1 + Math.floor(next() * 6))]);
      const gate: OwnershipGate | undefined =
        refused.size === 0 && next() < 0.5
          ? undefined
          : {
              refuseAccount: (id, field) => (refused.has(id as bigint) ? new CommandError("NOT_OWNER", field, "not owned") : undefined),
              refuseUnowned: () => undefined,
              refuseAccountless: () => undefined,
              refuseAdmin: () => undefined,
              ownerElsewhere: () => undefined,
            };
      // An account a strict account list does not name is refused before the door too.
      const unconfigured = next() < 0.3 ? BigInt(1 + Math.floor(next() * 6)) : undefined;
      let paths: string[] | undefined;
      const state = {
        limits: { maxCommandsPerMessage: 1_000 },
        isKnownAccount: (id: bigint) => id !== unconfigured,
        applyReports(valid: readonly ExecutionReport[], bases?: readonly string[]) {
          paths = valid.map((_, k) => bases?.[k] ?? `reports[${k}]`);
          return valid.map(() => ({ kind: "postTrade", result: { accountBlocks: [], accountPnls: [], accountAdjustments: [] } }));
        },
      } as unknown as SidecarState;
      const out = publishAnswers(state, m, undefined, offset, gate);
      const applied = ids.flatMap((id, i) => (refused.has(id) || id === unconfigured ? [] : [`reports[${offset + i}]`]));
      expect(paths ?? []).toEqual(applied);
      expect(Array.isArray(out) && out.length).toBe(count);
      if (applied.length < count) refusedSome++;
    }
    expect(refusedSome).toBeGreaterThan(100);
  });
});
