import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../simulator/random.js';
import { networkKey } from './networkKey.js';

describe('networkKey', () => {
  it('an IPv4 address is its own network; an IPv4-mapped IPv6 address is that IPv4 address', () => {
    expect(networkKey('203.0.113.7')).toBe('203.0.113.7');
    expect(networkKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(networkKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(networkKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(networkKey('203.0.113.8')).not.toBe(networkKey('203.0.113.7'));
  });

  it('IPv6 addresses of one /64 share a key, however they are written', () => {
    const key = networkKey('2001:db8:1:2::1');
    for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:5', '2001:db8:1:2:a::', '2001:db8:1:2::1.2.3.4', '2001:db8:1:2::9%eth0']) {
      expect(networkKey(same)).toBe(key);
    }
    expect(key).toBe('2001:db8:1:2::/64');
    expect(networkKey('2001:db8:1:3::1')).not.toBe(key);
    expect(networkKey('2001:db8::1:2:0:1')).toBe('2001:db8:0:0::/64'); // `::` in the first half
    expect(networkKey('::1')).toBe('0:0:0:0::/64');
    expect(networkKey('::')).toBe('0:0:0:0::/64');
  });

  it('agrees with node:net BlockList on random addresses written with and without `::`', () => {
    const next = seededRandom(64);
    const random = () => Math.floor(next() * 0x10000);
    for (let i = 0; i < 500; i += 1) {
      const groups = Array.from({ length: 8 }, () => (next() < 0.3 ? 0 : random()));
      const full = groups.map((group) => group.toString(16)).join(':');
      const start = Math.floor(next() * 7);
      const length = 1 + Math.floor(next() * (8 - start - 1));
      const zeroed = groups.map((group, index) => (index >= start && index < start + length ? 0 : group));
      const compressed = `${zeroed.slice(0, start).map((group) => group.toString(16)).join(':')}::${zeroed.slice(start + length).map((group) => group.toString(16)).join(':')}`;
      for (const address of [full, compressed]) {
        const key = networkKey(address);
        if (!key.endsWith('/64')) continue; // an IPv4-mapped address
        const subnet = new BlockList();
        subnet.addSubnet(key.slice(0, -'/64'.length), 64, 'ipv6');
        expect(subnet.check(address, 'ipv6'), `${address} in ${key}`).toBe(true);
        const neighbour = [...(address === full ? groups : zeroed)];
        neighbour[3] = (neighbour[3]! + 1) % 0x10000;
        expect(subnet.check(neighbour.map((group) => group.toString(16)).join(':'), 'ipv6'), `${address}'s neighbour /64`).toBe(false);
      }
    }
  });

  it('something that is not an address is its own key', () => {
    expect(networkKey('')).toBe('');
    expect(networkKey('not-an-ip')).toBe('not-an-ip');
    expect(networkKey('1::2::3')).toBe('1::2::3');
  });
});
