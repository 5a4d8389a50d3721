/**
 * The open loop's yardstick: how many orders of the realistic mix (top-ups, ~5 % rejects,
 * fills fed back on the report feed, every outcome checked by the oracle) one channel
 * decides per second when the generator keeps a window of them in flight.
 *
 * The open-loop rates are fractions of this figure, not of the bare throughput case:
 * that case sends prebuilt orders to deep accounts with no fills and no oracle, so on a
 * 2-core machine, where generator and sidecar share the cores, it overstates what the mix
 * can sustain — "50 %" of it was in fact close to saturating the mix.
 */
import { emptySpan, usageOf, withCpu, type Usage } from "./cpu.js";
import type { ChildHandle } from "./ipc.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export interface MixCapacityPlan {
  readonly durationMs: number;
  /** Orders in flight. */
  readonly window: number;
}

export interface MixCapacityResult {
  readonly decidedPerSec: number;
  readonly decided: number;
  readonly window: number;
  readonly usage: Usage;
}

export async function runMixCapacity(world: World, sidecar: ChildHandle, plan: MixCapacityPlan, progress: Progress): Promise<MixCapacityResult> {
  const span = emptySpan();
  let decided = 0;
  let elapsedNs = 0;
  await withCpu(sidecar, span, async () => {
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(plan.durationMs) * 1_000_000n;
    let counting = true;
    const lane = async (): Promise<void> => {
      while (counting) {
        await world.decideNext();
        const now = process.hrtime.bigint();
        world.fills.maybeFlush(now);
        decided++;
        if (now >= deadline) counting = false;
        progress.update(() => `mix capacity: ${(Number(now - start) / 1e9).toFixed(1)}/${(plan.durationMs / 1000).toFixed(0)} s, ${decided} decided`);
      }
    };
    await Promise.all(Array.from({ length: plan.window }, lane));
    // The fills of those orders are part of the work: the rate counts until they are all
    // applied, or a sidecar that lets reports pile up would look faster than it is.
    await world.fills.drain();
    elapsedNs = Number(process.hrtime.bigint() - start);
  });
  return { decidedPerSec: decided / (elapsedNs / 1e9), decided, window: plan.window, usage: usageOf(span) };
}
