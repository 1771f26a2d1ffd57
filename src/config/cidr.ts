import { isIP } from 'node:net';

/**
 * Addresses and CIDR blocks (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`), for the web server's trusted
 * auth proxies. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.5`, as Node reports IPv4 peers on a
 * dual-stack socket) match IPv4 blocks.
 */

export interface Cidr {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

function toBits(address: string, family: 4 | 6): bigint {
  if (family === 4) {
    return address.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
  }
  const [head = '', tail = ''] = address.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const expanded = address.includes('::')
    ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts]
    : headParts;
  return expanded.reduce((value, part) => (value << 16n) | BigInt(parseInt(part || '0', 16)), 0n);
}

/** The address without an IPv4-mapped prefix or zone: `::ffff:10.0.0.5` → `10.0.0.5`. Pure. */
export function plainAddress(address: string): string {
  const unzoned = address.split('%')[0] ?? address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unzoned);
  return mapped ? (mapped[1] as string) : unzoned;
}

/** Parses `address[/prefix]`; undefined when it is not one. Pure. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const plain = plainAddress(address);
  const family = isIP(plain);
  if (family !== 4 && family !== 6) return undefined;
  if (plain.includes('.') && family === 6) return undefined;
  const width = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!/^\d+$/.test(prefixText ?? String(width)) || prefix < 0 || prefix > width) return undefined;
  const shift = BigInt(width - prefix);
  return { family, bits: (toBits(plain, family) >> shift) << shift, prefix };
}

/** True when `address` (as a socket reports it) lies in one of `blocks`. Pure. */
export function addressIn(address: string | undefined, blocks: readonly string[]): boolean {
  if (!address) return false;
  const plain = plainAddress(address);
  const family = isIP(plain);
  if (family !== 4 && family !== 6) return false;
  const bits = toBits(plain, family);
  return blocks.some((text) => {
    const block = parseCidr(text);
    if (!block || block.family !== family) return false;
    const shift = BigInt((family === 4 ? 32 : 128) - block.prefix);
    return (bits >> shift) << shift === block.bits;
  });
}
