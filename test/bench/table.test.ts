import { describe, expect, it } from 'vitest';
import { formatTable, num } from '../../src/bench/table.js';

describe('formatTable', () => {
  it('aligns numbers right and text left, and lets a short row span', () => {
    const t = formatTable(['transport', 'avg_us', 'samples'], [
      ['tcp', num(70.04), 12345],
      ['unix', num(5), 7],
      ['shm', 'unavailable: module not loaded in this server'],
    ]);
    expect(t).toBe([
      'transport  avg_us  samples',
      '---------  ------  -------',
      'tcp          70.0    12345',
      'unix          5.0        7',
      'shm        unavailable: module not loaded in this server',
      '',
    ].join('\n'));
  });
  it('num shows missing values as -', () => {
    expect(num(NaN)).toBe('-');
    expect(num(null)).toBe('-');
    expect(num(1.25, 2)).toBe('1.25');
  });
});
