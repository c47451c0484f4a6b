/** One run as a row (the Runs tab and a run's child runs): name, kind, when, how long, metrics. */

import { h, oneLine } from './dom';
import { IRunRow, statusClass } from './model';
import { OpenRun } from './tabview';

/** The row's signature for keyed updates: exactly what it shows. */
export function runRowSig(row: IRunRow): string {
  return JSON.stringify(row);
}

export function renderRunRow(row: IRunRow, openRun: OpenRun): HTMLElement {
  const facts = [row.when, row.duration, row.experiment].filter(Boolean).join(' \u00b7 ');
  const li = h(
    'li',
    {
      class: 'mlops-run',
      'data-run-id': row.id,
      title: [row.name, `${row.status} \u00b7 ${row.id}`, ...row.metrics].join('\n'),
      tabindex: '0',
      role: 'button',
      onclick: () => openRun(row.id)
    },
    h(
      'div',
      { class: 'mlops-row-main' },
      h('span', { class: `mlops-dot ${statusClass(row.status)}`, title: row.status }),
      oneLine(row.name, 'mlops-run-name'),
      row.kind ? h('span', { class: 'mlops-chip' }, row.kind) : null
    ),
    h('div', { class: 'mlops-subline mlops-muted' }, oneLine(facts)),
    row.metrics.length
      ? h(
          'div',
          { class: 'mlops-metric-line' },
          ...row.metrics.map(m => h('span', { class: 'mlops-chip mlops-metric', title: m }, m))
        )
      : null
  );
  li.addEventListener('keydown', ev => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      openRun(row.id);
    }
  });
  return li;
}
