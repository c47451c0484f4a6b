/** One run's details in the Runs tab: facts, parameters, metrics, artifacts, child runs, tags. */

import { fileIcon, folderIcon } from '@jupyterlab/ui-components';

import { code, h, keyValues, oneLine } from './dom';
import { Slot } from './keyed';
import {
  IRunDetail,
  elapsedMs,
  formatBytes,
  formatDuration,
  formatMetric,
  runRow,
  safeHttpUrl,
  statusClass
} from './model';
import { renderRunRow, runRowSig } from './runrow';
import { OpenRun } from './tabview';

/**
 * The details of the open run. Each part is a {@link Slot}: a poll that brings the same run back
 * rebuilds only the parts whose content changed (a running run's duration, a new metric).
 */
export class RunDetailView {
  readonly node: HTMLElement;
  private readonly _slots: Record<
    'title' | 'facts' | 'links' | 'params' | 'metrics' | 'artifacts' | 'children' | 'tags',
    Slot
  >;

  constructor(
    back: () => void,
    private readonly _openRun: OpenRun
  ) {
    const slot = (cls: string) => new Slot(h('div', { class: `mlops-detail-part ${cls}` }));
    this._slots = {
      title: slot('mlops-detail-head'),
      facts: slot('mlops-detail-facts'),
      links: slot('mlops-detail-links'),
      params: slot('mlops-detail-params'),
      metrics: slot('mlops-detail-metrics'),
      artifacts: slot('mlops-detail-artifacts'),
      children: slot('mlops-detail-children'),
      tags: slot('mlops-detail-tags')
    };
    this.node = h(
      'div',
      { class: 'mlops-detail' },
      h('button', { class: 'mlops-back', onclick: back }, '\u2190 All runs'),
      ...Object.values(this._slots).map(s => s.node)
    );
  }

  /** Forget the shown run (another one is about to open). */
  reset(): void {
    for (const s of Object.values(this._slots)) {
      s.clear();
    }
  }

  show(run: IRunDetail, fetchedAt: number): void {
    const now = Date.now();
    const s = this._slots;
    s.title.set(JSON.stringify([run.name, run.run_id, run.status]), () =>
      h(
        'h3',
        { class: 'mlops-detail-title' },
        h('span', { class: `mlops-dot ${statusClass(run.status)}`, title: run.status }),
        h('span', { class: 'mlops-detail-name' }, run.name || run.run_id)
      )
    );
    const elapsed = elapsedMs(run.start_time, run.end_time, run.server_time, fetchedAt, now);
    const facts: [string, string | null][] = [
      ['Status', run.status],
      ['Run id', run.run_id],
      ['Experiment', run.experiment ?? run.experiment_id],
      ['Kind', run.kind],
      ['Notebook', run.notebook],
      ['Started', run.start_time ? new Date(run.start_time).toLocaleString() : null],
      ['Duration', formatDuration(elapsed)],
      ['Parent', run.parent_id]
    ];
    const shown = facts.filter(([, v]) => v) as [string, string][];
    // identifiers are one token: cut with an ellipsis (the full id on hover), never broken
    const ids = new Set(['Run id', 'Parent']);
    s.facts.set(JSON.stringify(shown), () =>
      keyValues(
        shown.map(([k, v]) => [k, ids.has(k) ? oneLine(v, 'mlops-id') : v]),
        'mlops-facts'
      )
    );
    s.links.set(JSON.stringify([run.parent_id, run.ui_url]), () => this._links(run));
    const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
    s.params.set(JSON.stringify(params), () =>
      section(
        `Parameters (${params.length})`,
        params.length ? keyValues(params, 'mlops-params') : null
      )
    );
    const metrics = Object.entries(run.metrics)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, formatMetric(v)] as [string, string]);
    s.metrics.set(JSON.stringify(metrics), () =>
      section(
        `Metrics (${metrics.length})`,
        metrics.length ? keyValues(metrics, 'mlops-metrics') : null
      )
    );
    s.artifacts.set(JSON.stringify(run.artifacts), () =>
      section(
        `Artifacts (${run.artifacts.length})`,
        run.artifacts.length ? artifactList(run) : null
      )
    );
    const children = run.children.map(c => runRow(c, run.server_time, fetchedAt, now));
    s.children.set(JSON.stringify(children.map(runRowSig)), () =>
      children.length
        ? section(
            `Child runs (${children.length})`,
            h('ul', { class: 'mlops-list' }, ...children.map(c => renderRunRow(c, this._openRun)))
          )
        : null
    );
    const userTags = Object.entries(run.tags)
      .filter(([k]) => !k.startsWith('mlops.'))
      .sort(([a], [b]) => a.localeCompare(b));
    s.tags.set(JSON.stringify(userTags), () =>
      userTags.length
        ? section(`Tags (${userTags.length})`, keyValues(userTags, 'mlops-tags'))
        : null
    );
  }

  private _links(run: IRunDetail): HTMLElement {
    const root = h('div', null);
    const parentId = run.parent_id;
    if (parentId) {
      root.appendChild(
        h(
          'div',
          { class: 'mlops-link mlops-clickable', onclick: () => this._openRun(parentId) },
          '\u2191 Parent run'
        )
      );
    }
    const ui = safeHttpUrl(run.ui_url);
    root.appendChild(
      ui
        ? h('a', { class: 'mlops-link', href: ui }, 'Open in the MLflow UI \u2197')
        : h(
            'p',
            { class: 'mlops-muted mlops-small' },
            'No MLflow UI address is configured (MLFLOW_TRACKING_URI); ',
            code('%mlops status'),
            ' shows how to open this store in ',
            code('mlflow ui'),
            '.'
          )
    );
    return root;
  }
}

function section(title: string, body: HTMLElement | null): HTMLElement {
  return h('section', null, h('h4', null, title), body ?? h('p', { class: 'mlops-muted' }, 'none'));
}

function artifactList(run: IRunDetail): HTMLElement {
  const ul = h('ul', { class: 'mlops-artifacts' });
  for (const a of run.artifacts) {
    const icon = (a.is_dir ? folderIcon : fileIcon).element({
      tag: 'span',
      className: 'mlops-icon'
    });
    ul.appendChild(
      h(
        'li',
        { title: a.path },
        icon,
        h('span', { class: 'mlops-artifact-path' }, a.is_dir ? `${a.path}/` : a.path),
        a.size !== null ? h('span', { class: 'mlops-muted' }, formatBytes(a.size)) : null,
        a.error ? h('span', { class: 'mlops-error' }, a.error) : null
      )
    );
  }
  return ul;
}
