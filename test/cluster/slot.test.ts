// Hash slots against the values the Redis Cluster spec and redis-server give.
import { describe, expect, it } from 'vitest';
import { crc16, keySlot } from '../../src/cluster/slot.js';

describe('keySlot', () => {
  it('CRC16/XMODEM check value and known slots', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3); // the spec's reference value
    expect(keySlot('foo')).toBe(12182);                    // the example
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('')).toBe(0);
  });

  it('hashes the first non-empty {tag} only', () => {
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('{user1000}.followers')).toBe(keySlot('user1000'));
    expect(keySlot('foo{}{bar}')).toBe(keySlot('foo{}{bar}'));         // empty first tag: whole key
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));          // tag is "{bar"
    expect(keySlot('foo{bar}{zap}')).toBe(keySlot('bar'));
    expect(keySlot('{unclosed')).toBe(crc16(Buffer.from('{unclosed')) & 16383);
  });

  it('strings, Buffers and numbers of the same bytes agree; UTF-8 is hashed as sent', () => {
    expect(keySlot(Buffer.from('foo'))).toBe(keySlot('foo'));
    expect(keySlot(12345)).toBe(keySlot('12345'));
    expect(keySlot('ключ')).toBe(crc16(Buffer.from('ключ', 'utf8')) & 16383);
    expect(keySlot('{ключ}x')).toBe(keySlot(Buffer.from('ключ', 'utf8')));
  });
});
