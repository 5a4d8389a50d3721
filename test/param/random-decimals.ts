/** Reproducible random decimal strings for the decimal tests (a failure names its seed). */
export { seededRandom } from "../../bench/workload.js";

export interface RandomDecimalOptions {
  /** Some are negative (three in ten). */
  readonly signed: boolean;
  /** One in ten is a zero, "0" or "0.00" (zeros have their own paths). */
  readonly zeros: boolean;
}

/** Decimal strings of 1..20 digits and scale 0..18: both sides of the 15-digit fast path. */
export function randomDecimal(rand: () => number, options: RandomDecimalOptions): string {
  if (options.zeros && rand() < 0.1) return rand() < 0.5 ? "0" : "0.00";
  const digits = 1 + Math.floor(rand() * 20);
  let body = "";
  for (let i = 0; i < digits; i++) body += String(Math.floor(rand() * 10));
  const scale = Math.min(digits, Math.floor(rand() * 19));
  const sign = options.signed && rand() < 0.3 ? "-" : "";
  return scale === 0 ? `${sign}${body}` : `${sign}${body.slice(0, digits - scale) || "0"}.${body.slice(digits - scale)}`;
}
