import { parseIpv4Cidr } from "../core/validation";

/** True when every address of `cidr` lies in one of `covers` (all literal, canonical CIDRs). */
export function cidrCovered(cidr: string, covers: readonly string[]): boolean {
  const c = parseIpv4Cidr(cidr);
  if (!c) return false;
  const parsed = covers.map(parseIpv4Cidr).filter((p): p is { network: number; prefix: number } => p !== undefined);
  const check = (network: number, prefix: number): boolean => {
    const overlapping = parsed.filter((p) => {
      const common = Math.min(p.prefix, prefix);
      const mask = common === 0 ? 0 : (0xffffffff << (32 - common)) >>> 0;
      return (p.network & mask) >>> 0 === (network & mask) >>> 0;
    });
    if (overlapping.length === 0) return false;
    if (overlapping.some((p) => p.prefix <= prefix)) return true;
    // Only smaller blocks overlap: both halves must be covered.
    const half = 2 ** (32 - prefix - 1);
    return check(network, prefix + 1) && check((network + half) >>> 0, prefix + 1);
  };
  return check(c.network, c.prefix);
}
