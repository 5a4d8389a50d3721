/** The journal's status on the wire (AdminService.GetJournalStatus). */
import { create } from "@bufbuild/protobuf";
import { DurabilityMode, GetJournalStatusResponseSchema, type GetJournalStatusResponse } from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import type { JournalStatus } from "../../state/journal/journal.js";

const MODE = { sync: DurabilityMode.SYNC, async: DurabilityMode.ASYNC, ephemeral: DurabilityMode.EPHEMERAL, replicated: DurabilityMode.REPLICATED } as const;

export function encodeJournalStatus(s: JournalStatus): GetJournalStatusResponse {
  return create(GetJournalStatusResponseSchema, {
    mode: MODE[s.mode],
    dataDir: s.dataDir ?? "",
    lastSequence: s.lastSequence,
    durableSequence: s.durableSequence,
    lastSnapshotSequence: s.lastSnapshotSequence ?? 0n,
    segments: s.segments,
    fsyncCount: BigInt(s.fsyncCount),
    fsyncLastUs: Math.round(s.fsyncLatencyUs.last),
    fsyncMeanUs: Math.round(s.fsyncLatencyUs.mean),
    fsyncMaxUs: Math.round(s.fsyncLatencyUs.max),
  });
}
