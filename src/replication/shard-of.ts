/**
 * Which shard an account belongs to: FNV-1a over the account id's eight little-endian bytes,
 * modulo the deployment's shard count. The count is fixed per deployment (changing it moves
 * accounts between shards, so every instance and the journal must agree on it).
 */
export function shardOf(accountId: bigint, shardCount: number): number {
  let h = 0x811c9dc5;
  let v = BigInt.asUintN(64, accountId);
  for (let i = 0; i < 8; i++) {
    h ^= Number(v & 0xffn);
    h = Math.imul(h, 0x01000193) >>> 0;
    v >>= 8n;
  }
  return h % shardCount;
}
