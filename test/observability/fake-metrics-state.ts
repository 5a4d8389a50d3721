/** The state SidecarMetrics reads, faked empty: for suites about the metrics themselves, not a sidecar. */
export function fakeMetricsState(executionIds = { remembered: 0, forgottenEarly: 0 }): never {
  return {
    channels: new Map(),
    pins: new Map(),
    handleTally: { open: 0, reservations: 0 },
    events: { subscriberCount: 0 },
    engine: { executionIdStats: () => executionIds },
    journal: { status: () => ({ mode: "sync", lastSequence: 0n, durableSequence: 0n, segments: 0, pendingBatches: 0, fsyncCount: 0 }) },
  } as never;
}
