/**
 * One written form per IP address, for comparing a certificate's IP subjectAltName with a
 * principal's certificateIdentity. Node's `subjectaltname` writes an IPv6 SAN as OpenSSL
 * prints it, upper case and uncompressed ("FD00:0:0:0:0:0:0:5"), which nobody writes in a
 * configuration ("fd00::5"): both sides are brought to the compressed lower-case form (RFC
 * 5952) before they are compared. IPv4 has one form already (net.isIP takes no leading zeros).
 */
import { isIP, SocketAddress } from "node:net";

/**
 * `value` in canonical form when it is an IP address, else `value` unchanged. A zoned IPv6
 * address ("fe80::1%eth0") is left as is: a certificate's IP SAN never carries a zone, and
 * SocketAddress would drop it.
 */
export function canonicalIp(value: string): string {
  if (isIP(value) !== 6 || value.includes("%")) return value;
  return new SocketAddress({ address: value, family: "ipv6" }).address;
}
