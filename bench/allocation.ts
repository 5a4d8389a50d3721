/**
 * Bytes allocated per decided order and per applied report, in the sidecar process, whole
 * path (grpc-js, HTTP/2, our codecs, the door, the engine, the encoders): allocation is
 * what drives the young-generation collections that set the open-loop tail.
 *
 * Two phases on the open-loop world, pipelined (a window in flight, so per-message
 * transport costs are those of a loaded channel, not of a lone round trip):
 * - order path: the mix's orders (top-ups and designed rejects included) with their fills
 *   held back, so only channel traffic reaches the sidecar;
 * - feed path: then those fills, published in messages of a few reports, as the open
 *   loop's 2 ms flush produces at its rates.
 * The exact count comes from the sidecar's garbage collections (alloc-meter.ts); a sampled
 * heap profile over the same phase says where the bytes come from. The echo floor is
 * measured the same way (bytes its process allocates per order-sized message), the
 * transport's own share.
 */
import type { AllocationProfile } from "./alloc-meter.js";
import type { EchoStream } from "./echo-service.js";
import type { ChildHandle, ProcessStats } from "./ipc.js";
import type { Progress } from "./progress.js";
import type { World } from "./world.js";

export interface AllocationPlan {
  readonly orders: number;
  readonly window: number;
  readonly fillsPerMessage: number;
  readonly echoMessages: number;
}

export interface PathAllocation {
  readonly label: string;
  /** Decided orders, applied reports or echoed messages. */
  readonly units: number;
  /** Messages on the wire carrying them (top-ups included on the order path). */
  readonly messages: number;
  readonly bytes: number;
  readonly bytesPerUnit: number;
  readonly gcCount: number;
  readonly profile?: AllocationProfile;
}

export interface AllocationResult {
  readonly orderPath: PathAllocation;
  readonly feedPath: PathAllocation;
  readonly echo: PathAllocation;
  readonly plan: AllocationPlan;
}

async function metered(child: ChildHandle, sample: boolean, run: () => Promise<{ units: number; messages: number }>, label: string): Promise<PathAllocation> {
  if (sample) await child.call("allocSampleStart");
  const before = await child.call<ProcessStats>("stats", {});
  const { units, messages } = await run();
  const after = await child.call<ProcessStats>("stats", {});
  const profile = sample ? await child.call<AllocationProfile>("allocSampleStop") : undefined;
  const bytes = after.allocatedBytes - before.allocatedBytes;
  return { label, units, messages, bytes, bytesPerUnit: bytes / Math.max(1, units), gcCount: after.gc.count - before.gc.count, profile };
}

/** The mix's orders pipelined `window` deep, fills queued but not published. */
async function orders(world: World, count: number, window: number): Promise<{ units: number; messages: number }> {
  let issued = 0;
  let messages = 0;
  const lane = async (): Promise<void> => {
    while (issued < count) {
      issued++;
      const sent = await world.decideNext();
      messages += sent;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { units: count, messages };
}

async function echoes(stream: EchoStream, request: Buffer, count: number, window: number): Promise<{ units: number; messages: number }> {
  let sent = 0;
  const lane = async (): Promise<void> => {
    while (sent < count) {
      sent++;
      await stream.send(request);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { units: count, messages: count };
}

export async function runAllocation(
  world: World,
  sidecar: ChildHandle,
  echo: { readonly child: ChildHandle; readonly stream: EchoStream; readonly request: Buffer },
  plan: AllocationPlan,
  progress: Progress,
): Promise<AllocationResult> {
  progress.update("allocation: warm-up");
  await world.fills.drain();
  await orders(world, Math.min(2_000, plan.orders), plan.window);
  await world.fills.drain(plan.fillsPerMessage);
  await echoes(echo.stream, echo.request, Math.min(2_000, plan.echoMessages), plan.window);

  progress.update("allocation: order path");
  const orderPath = await metered(sidecar, true, () => orders(world, plan.orders, plan.window), "order path (channel)");
  progress.update("allocation: feed path");
  const fills = world.fills.queued;
  const feedPath = await metered(
    sidecar,
    true,
    async () => {
      await world.fills.drain(plan.fillsPerMessage);
      return { units: fills, messages: Math.ceil(fills / plan.fillsPerMessage) };
    },
    `feed path (${plan.fillsPerMessage} reports per message)`,
  );
  progress.update("allocation: echo floor");
  const echoPath = await metered(echo.child, false, () => echoes(echo.stream, echo.request, plan.echoMessages, plan.window), "echo floor (order-sized messages)");
  return { orderPath, feedPath, echo: echoPath, plan };
}
