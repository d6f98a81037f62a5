import { isIP } from 'node:net';

/**
 * The network a request comes from, for the per-source budgets (decision 0009): an IPv4 address is its
 * own network; an IPv6 address belongs to its /64, because one subscriber (one home, one server) is
 * given a whole /64 and can pick a fresh address in it for every request. An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4 client) is the IPv4 address.
 * Anything that is not an IP address (no address at all) is its own key, unchanged.
 */
export function networkKey(address: string): string {
  const plain = address.trim();
  const zoneless = plain.replace(/%.*$/, ''); // fe80::1%eth0: the zone names an interface of ours, not a network
  if (isIP(zoneless) === 4) return zoneless;
  if (isIP(zoneless) !== 6) return plain;
  const groups = ipv6Groups(zoneless);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIP` accepted as IPv6 (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const compressed = address.indexOf('::');
  const head = compressed === -1 ? address : address.slice(0, compressed);
  const tail = compressed === -1 ? '' : address.slice(compressed + 2);
  const left = groupsOf(head);
  const right = groupsOf(tail);
  const zeros = compressed === -1 ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: zeros }, () => 0), ...right];
}

function groupsOf(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((piece) => {
    if (!piece.includes('.')) return [Number.parseInt(piece, 16)];
    const [a, b, c, d] = piece.split('.').map(Number) as [number, number, number, number];
    return [(a << 8) | b, (c << 8) | d];
  });
}
