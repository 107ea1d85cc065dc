import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/async/queue.js';

describe('Queue', () => {
  it('is FIFO across growth and wrap-around', () => {
    const q = new Queue<number>();
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 2000; round++) {
      const pushes = (round * 7) % 13;
      for (let i = 0; i < pushes; i++) { q.push(next); model.push(next++); }
      const shifts = (round * 5) % 11;
      for (let i = 0; i < shifts; i++) expect(q.shift()).toBe(model.shift());
      expect(q.length).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
    }
    expect(q.drain()).toEqual(model);
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
