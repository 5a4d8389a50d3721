/** Value types, ids and enums: the bottom layer every other one imports. */
export * from "./param-error.js";
export * from "./decimal-value.js";
export * from "./decimal-cell.js";
export * from "./values.js";
export * from "./enums.js";
export * from "./ids.js";
export * from "./instrument.js";
export * from "./name-length.js";
export * from "./duration.js";
export * from "./exact-sum.js";
export * from "./small-digits.js";
export * from "./quoted.js";
