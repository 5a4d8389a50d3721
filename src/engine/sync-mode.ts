/**
 * OpenPit's synchronisation modes, given their meaning in a single-threaded runtime.
 * Every engine call runs to completion on the event loop, so no mode needs locks; the
 * mode states which *callers* may share an engine, and the sidecar enforces it:
 *
 * - `noSync`: one caller owns the engine (an in-process library use, or a sidecar that
 *   serves one account channel at a time).
 * - `fullSync`: any caller may touch any account at any time; calls for one account may
 *   interleave between a start stage and its execute, and between execute and commit.
 * - `accountSync`: each account is pinned to one processing chain (a sidecar channel), so
 *   calls for one account never interleave and keep their order. The sidecar's default.
 */
export type SyncMode = "noSync" | "fullSync" | "accountSync";

export const SYNC_MODES: readonly SyncMode[] = ["noSync", "fullSync", "accountSync"];
