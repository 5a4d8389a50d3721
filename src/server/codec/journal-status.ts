/** The journal's status on the wire (AdminService.GetJournalStatus). */
import { create } from "@bufbuild/protobuf";
import { DurabilityMode, GetJournalStatusResponseSchema, type GetJournalStatusResponse } from "../../../gen/openpit/sidecar/v1/admin_pb.js";
import type { JournalStatus } from "../../state/journal/journal.js";

const MODE = { sync: DurabilityMode.SYNC, async: DurabilityMode.ASYNC, ephemeral: DurabilityMode.EPHEMERAL, replicated: DurabilityMode.REPLICATED } as const;

/** The segment count, or why the data directory could not be listed (the file journal counts them when asked). */
function countedSegments(s: JournalStatus): { segments: number; segmentsUnknownReason: string } {
  try {
    return { segments: s.segments, segmentsUnknownReason: "" };
  } catch (error) {
    return { segments: 0, segmentsUnknownReason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A data directory that cannot be listed leaves only the segment count out, as the metrics do:
 * the status failed as a whole, so the figures an operator needs to see a stalled journal
 * (the durable sequence, the fsync latencies) were lost with it.
 */
export function encodeJournalStatus(s: JournalStatus): GetJournalStatusResponse {
  return create(GetJournalStatusResponseSchema, {
    mode: MODE[s.mode],
    dataDir: s.dataDir ?? "",
    lastSequence: s.lastSequence,
    durableSequence: s.durableSequence,
    lastSnapshotSequence: s.lastSnapshotSequence ?? 0n,
    ...countedSegments(s),
    fsyncCount: BigInt(s.fsyncCount),
    fsyncLastUs: Math.round(s.fsyncLatencyUs.last),
    fsyncMeanUs: Math.round(s.fsyncLatencyUs.mean),
    fsyncMaxUs: Math.round(s.fsyncLatencyUs.max),
  });
}
