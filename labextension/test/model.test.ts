import { describe, expect, it } from 'vitest';

import {
  IRunPage,
  IRunSummary,
  RunList,
  buildQuery,
  changedParameters,
  elapsedMs,
  formatBytes,
  formatClock,
  formatDuration,
  formatMetric,
  mlflowRunUrl,
  relativeTime,
  runRow,
  safeHttpUrl,
  statusClass,
  toggleTag
} from '../src/model';

function run(id: string, extra: Partial<IRunSummary> = {}): IRunSummary {
  return {
    run_id: id,
    name: `run-${id}`,
    status: 'FINISHED',
    experiment_id: '0',
    experiment: 'Default',
    start_time: 1000,
    end_time: 2000,
    kind: 'cell',
    parent_id: null,
    notebook: null,
    in_notebook: false,
    metrics: {},
    ui_url: null,
    ...extra
  };
}

function page(runs: IRunSummary[], next: string | null = null): IRunPage {
  return {
    runs,
    next_page_token: next,
    server_time: 10_000,
    store: '/p/.mlops',
    store_exists: true,
    ui_url: null
  };
}

describe('formatting', () => {
  it('durations', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(2 * 3600_000 + 3 * 60_000)).toBe('2 h 03 min');
  });
  it('clock', () => {
    expect(formatClock(7_000)).toBe('0:07');
    expect(formatClock(754_000)).toBe('12:34');
    expect(formatClock(3723_000)).toBe('1:02:03');
    expect(formatClock(-5)).toBe('0:00');
  });
  it('metrics and sizes', () => {
    expect(formatMetric(3)).toBe('3');
    expect(formatMetric(0.912345)).toBe('0.9123');
    expect(formatMetric(0.00001234)).toBe('1.234e-5');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(null)).toBe('');
  });
  it('sizes exactly as the CLI writes them (Python human_size, decimal units, ties to even)', () => {
    // [bytes, text]: the text is what mlops_magics.core.formatting.human_size returns
    const python: [number, string][] = [
      [0, '0 B'],
      [999, '999 B'],
      [1000, '1.0 KB'],
      [1049, '1.0 KB'],
      [1050, '1.1 KB'],
      [1150, '1.1 KB'],
      [1250, '1.2 KB'],
      [1350, '1.4 KB'],
      [1750, '1.8 KB'],
      [2048, '2.0 KB'],
      [92100, '92.1 KB'],
      [94310, '94.3 KB'],
      [999949, '999.9 KB'],
      [999950, '1000.0 KB'],
      [1000000, '1.0 MB'],
      [1250000, '1.2 MB'],
      [12345678, '12.3 MB'],
      [5500000000, '5.5 GB'],
      [3210000000000, '3.2 TB'],
      [7250000000000000, '7250.0 TB']
    ];
    expect(python.map(([n]) => [n, formatBytes(n)])).toEqual(python);
  });
  it('relative times', () => {
    const now = 1_000_000_000_000;
    expect(relativeTime(now - 10_000, now)).toBe('just now');
    expect(relativeTime(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(relativeTime(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(relativeTime(null, now)).toBe('');
  });
  it('status classes', () => {
    expect(statusClass('RUNNING')).toBe('mlops-status-running');
    expect(statusClass('FINISHED')).toBe('mlops-status-ok');
    expect(statusClass('cached')).toBe('mlops-status-ok');
    expect(statusClass('FAILED')).toBe('mlops-status-failed');
    expect(statusClass('KILLED')).toBe('mlops-status-other');
  });
});

describe('elapsed time with clock skew', () => {
  it('uses end time for finished runs', () => {
    expect(elapsedMs(1000, 4000, 0, 0, 99_999)).toBe(3000);
  });
  it('corrects for a client clock ahead of the server', () => {
    // server said 10 s at fetch; the client clock reads 1 h later at fetch; 2 s have passed since
    expect(elapsedMs(5_000, null, 10_000, 3_600_000, 3_602_000)).toBe(7_000);
  });
  it('never negative, null without a start', () => {
    expect(elapsedMs(20_000, null, 10_000, 0, 0)).toBe(0);
    expect(elapsedMs(null, null, 0, 0, 0)).toBeNull();
  });
});

describe('links and queries', () => {
  it('only http(s) links', () => {
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,<b>x</b>')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000/');
  });
  it('MLflow run urls', () => {
    expect(mlflowRunUrl('http://mlflow:5000/', '3', 'abc')).toBe(
      'http://mlflow:5000/#/experiments/3/runs/abc'
    );
    expect(mlflowRunUrl(null, '3', 'abc')).toBeNull();
  });
  it('query strings skip empty values and encode', () => {
    expect(buildQuery({ a: 1, b: null, c: '', d: 'x y&z' })).toBe('?a=1&d=x%20y%26z');
    expect(buildQuery({})).toBe('');
  });
});

describe('parameters', () => {
  it('toggles the tag, keeping others', () => {
    expect(toggleTag(undefined, 'parameters')).toEqual(['parameters']);
    expect(toggleTag(['a', 'parameters'], 'parameters')).toEqual(['a']);
    expect(toggleTag(['parameters'], 'parameters')).toBeUndefined();
    expect(toggleTag(['a'], 'parameters')).toEqual(['a', 'parameters']);
  });
  it('sends only changed values', () => {
    const original = [
      { name: 'lr', value: '0.1', type: 'float' },
      { name: 'xs', value: 'np.arange(3)', type: 'expr' }
    ];
    expect(changedParameters(original, { lr: '0.1 ', xs: 'np.arange(3)' })).toEqual({});
    expect(changedParameters(original, { lr: '0.5', xs: 'np.arange(3)' })).toEqual({ lr: '0.5' });
  });
});

describe('RunList', () => {
  it('puts the notebook runs first and pages without duplicates', () => {
    const list = new RunList();
    list.reset(page([run('a', { in_notebook: true }), run('b')], 'tok'), 'dir/nb.ipynb', 0);
    expect(list.hasMore).toBe(true);
    list.append(page([run('b'), run('c', { status: 'RUNNING' })]), 0);
    expect(list.runs.map(r => r.run_id)).toEqual(['a', 'b', 'c']);
    expect(list.hasMore).toBe(false);
    expect(list.anyRunning).toBe(true);
    const sections = list.sections();
    expect(sections.map(s => s.title)).toEqual(['This notebook (nb.ipynb)', 'Other runs']);
    expect(sections[0].runs.map(r => r.run_id)).toEqual(['a']);
  });
  it('without a notebook lists all runs; empty when nothing', () => {
    const list = new RunList();
    list.reset(page([]), null, 0);
    expect(list.isEmpty).toBe(true);
    expect(list.sections()).toEqual([{ title: 'All runs', runs: [] }]);
  });
  it('keeps hostile names as data', () => {
    const list = new RunList();
    const evil = '<img src=x onerror=alert(1)>';
    list.reset(page([run('x', { name: evil })]), null, 0);
    expect(list.runs[0].name).toBe(evil);
  });
});

describe('runRow', () => {
  it('what a row shows, with the server clock', () => {
    const row = runRow(
      run('r1', {
        name: '',
        status: 'RUNNING',
        start_time: 4_000,
        end_time: null,
        metrics: { auc: 0.91234 }
      }),
      10_000,
      0,
      2_000
    );
    expect(row).toEqual({
      id: 'r1',
      name: 'r1',
      status: 'RUNNING',
      kind: 'cell',
      when: 'just now',
      duration: '8.0 s',
      experiment: 'Default',
      metrics: ['auc=0.9123']
    });
  });
});
