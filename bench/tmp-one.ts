import { controls } from "./controls-cases.js";
import { fiveBuiltins, orders, rotating } from "./builtin-cases.js";
import { measure } from "./measure.js";
const which = process.argv[2]!;
const engine = fiveBuiltins(controls().filter((p) => which.split(",").includes(p.name)));
const base = rotating(orders());
let n = 0;
const r = measure(which, () => {
  const res = engine.executePreTrade({ ...base(), clientOrderId: `c${n++}` });
  if (!res.ok) throw new Error(res.rejects[0]!.reason);
  res.reservation.commit();
}, { warmupCalls: 50000, calls: 300000, maxMeasureMs: 6000 });
console.log(r.name, Math.round(r.callsPerSec), (r.latencyNs.p50 / 1000).toFixed(2));
