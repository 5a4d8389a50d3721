export { OrderValidationPolicy } from "./policy.js";
