import { describe, expect, it } from 'vitest';

import { planRows } from '../src/keyed';

const sigs = (entries: [string, string][]) => new Map(entries);

describe('planRows', () => {
  it('keeps unchanged rows, replaces changed ones, creates new ones in the new order', () => {
    const plan = planRows(
      sigs([
        ['a', '1'],
        ['b', '1'],
        ['c', '1']
      ]),
      [
        { key: 'd', sig: '1' },
        { key: 'a', sig: '1' },
        { key: 'c', sig: '2' }
      ]
    );
    expect(plan.rows).toEqual([
      { key: 'd', action: 'create' },
      { key: 'a', action: 'keep' },
      { key: 'c', action: 'replace' }
    ]);
    expect(plan.removed).toEqual(['b']);
  });
  it('shows a key once (the first occurrence wins)', () => {
    const plan = planRows(new Map(), [
      { key: 'a', sig: '1' },
      { key: 'a', sig: '2' }
    ]);
    expect(plan.rows).toEqual([{ key: 'a', action: 'create' }]);
  });
  it('an identical poll touches nothing', () => {
    const previous = sigs([
      ['x', 's'],
      ['y', 't']
    ]);
    const plan = planRows(previous, [
      { key: 'x', sig: 's' },
      { key: 'y', sig: 't' }
    ]);
    expect(plan.rows.every(r => r.action === 'keep')).toBe(true);
    expect(plan.removed).toEqual([]);
  });
});
