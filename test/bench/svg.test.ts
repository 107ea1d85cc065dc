import { describe, expect, it } from 'vitest';
import { barChartSvg, escapeXml, formatValue, niceScale } from '../../src/bench/svg.js';
import { checkSvg } from './well-formed.js';

const spec = {
  title: 'PING <latency> & "friends"',
  unit: 'us',
  categories: ['tcp', 'unix', 'shm'],
  series: [
    { name: 'avg', values: [70, 50, 5] },
    { name: 'p99', values: [140, 100, null] },
  ],
};

const bars = (svg: string) => [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+"><title>([^<]*)<\/title>/g)]
  .map((m) => ({ x: Number(m[1]), y: Number(m[2]), h: Number(m[4]), title: m[5]! }));

describe('barChartSvg', () => {
  it('is a well-formed SVG document with escaped text', () => {
    const svg = barChartSvg(spec);
    expect(checkSvg(svg)).toEqual([]);
    expect(svg).toContain('PING &lt;latency&gt; &amp; &quot;friends&quot;');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  });

  it('draws one bar per non-null value, heights proportional to the values', () => {
    const b = bars(barChartSvg(spec));
    expect(b.map((x) => x.title)).toEqual(['tcp avg: 70 us', 'tcp p99: 140 us', 'unix avg: 50 us', 'unix p99: 100 us', 'shm avg: 5 us']);
    const [tcpAvg, tcpP99, unixAvg] = b;
    expect(tcpP99!.h / tcpAvg!.h).toBeCloseTo(2, 1);
    expect(unixAvg!.h / tcpAvg!.h).toBeCloseTo(50 / 70, 1);
    // Bars stand on the same baseline and go left to right in category order.
    expect(new Set(b.map((x) => Math.round(x.y + x.h))).size).toBe(1);
    expect(b.map((x) => x.x)).toEqual([...b.map((x) => x.x)].sort((p, q) => p - q));
  });

  it('labels a missing value n/a and survives all-null or empty input', () => {
    expect(barChartSvg(spec)).toContain('>n/a<');
    const empty = barChartSvg({ title: 't', unit: 'us', categories: ['a'], series: [{ name: 's', values: [null] }] });
    expect(checkSvg(empty)).toEqual([]);
    expect(bars(empty)).toHaveLength(0);
    expect(checkSvg(barChartSvg({ title: 't', unit: 'us', categories: [], series: [] }))).toEqual([]);
  });

  it('is deterministic', () => {
    expect(barChartSvg(spec)).toBe(barChartSvg(structuredClone(spec)));
  });
});

describe('chart helpers', () => {
  it('niceScale rounds the top up to a 1/2/5 step', () => {
    expect(niceScale(140)).toEqual({ top: 150, step: 50 });
    expect(niceScale(9.3)).toEqual({ top: 10, step: 2 });
    expect(niceScale(1000)).toEqual({ top: 1000, step: 200 });
    expect(niceScale(0)).toEqual({ top: 1, step: 0.2 });
  });
  it('formatValue keeps 3 significant digits', () => {
    expect(formatValue(12.345)).toBe('12.3');
    expect(formatValue(0.01234)).toBe('0.0123');
    expect(formatValue(250_000)).toBe('250k');
    expect(formatValue(1_234_567)).toBe('1.23M');
  });
  it('escapeXml escapes the five XML specials', () => {
    expect(escapeXml(`<a b="c" d='e'>&`)).toBe('&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;');
  });
});
