/** Exports OrderValidationPolicy, the start-stage check that refuses a missing or zero trade amount. */
export { OrderValidationPolicy } from "./policy.js";
