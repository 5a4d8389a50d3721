/**
 * The name the engine's own rejects and blocks carry in their `policy` field (an operator's
 * block, a drop copy's missing account, the kill switch a failing callback arms). Reserved: no
 * policy may take it (engine-builder.ts), or its rejects would read as the engine's.
 */
export const ENGINE_NAME = "Engine";
