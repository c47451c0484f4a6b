/** The MLOps side panel: tabs Runs / Models / Data / Pipelines. All text is set as text. */

import { Widget } from '@lumino/widgets';

import { ApiError, requestAPI } from './api';
import { renderData, renderModels, renderPipelines } from './catalog';
import { clear, code, h } from './dom';
import {
  IActiveRun,
  IRunDetail,
  IRunPage,
  IRunSummary,
  RunList,
  basename,
  elapsedMs,
  formatBytes,
  formatDuration,
  formatMetric,
  metricSnippets,
  mlflowRunUrl,
  relativeTime,
  safeHttpUrl,
  statusClass
} from './model';

export type TabName = 'runs' | 'models' | 'data' | 'pipelines';
const TABS: [TabName, string][] = [
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['data', 'Data'],
  ['pipelines', 'Pipelines']
];
const PAGE_SIZE = 50;
const ACTIVE_REFRESH_MS = 3000;

/** Where the panel learns which notebook (and kernel) is current. */
export interface INotebookContextSource {
  current(): { path: string; kernelId: string | null } | null;
}

export class MlopsPanel extends Widget {
  private _tab: TabName = 'runs';
  private _body: HTMLElement;
  private _tabButtons = new Map<TabName, HTMLButtonElement>();
  private _runs = new RunList();
  private _detail: IRunDetail | null = null;
  private _detailFetchedAt = 0;
  private _timer: number | null = null;
  private _loading = false;
  private _generation = 0;
  private _active: IActiveRun | null = null;

  constructor(private readonly _source: INotebookContextSource) {
    super();
    this.id = 'mlops-panel';
    this.addClass('mlops-panel');
    this.title.caption = 'MLOps: runs, models, data, pipelines';
    const tabs = h('div', { class: 'mlops-tabs', role: 'tablist' });
    for (const [name, label] of TABS) {
      const button = h(
        'button',
        { class: 'mlops-tab', role: 'tab', 'data-tab': name, onclick: () => this.showTab(name) },
        label
      );
      this._tabButtons.set(name, button);
      tabs.appendChild(button);
    }
    const refresh = h(
      'button',
      { class: 'mlops-refresh', title: 'Refresh', 'aria-label': 'Refresh', onclick: () => void this.refresh() },
      '\u21bb'
    );
    tabs.appendChild(refresh);
    this._body = h('div', { class: 'mlops-body' });
    this.node.appendChild(tabs);
    this.node.appendChild(this._body);
    this._markTab();
  }

  get tab(): TabName {
    return this._tab;
  }

  showTab(name: TabName): void {
    this._tab = name;
    this._detail = null;
    this._markTab();
    void this.refresh();
  }

  /** The current notebook changed (or its kernel did): reload the runs with its runs first. */
  notebookChanged(): void {
    if (this._tab === 'runs' && !this._detail) {
      void this.refresh();
    }
  }

  /** A cell finished executing somewhere: the list may have a new run. */
  executionFinished(): void {
    if (this.isVisible) {
      window.setTimeout(() => void this.refresh(true), 400);
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
    this._schedule();
  }

  protected onAfterHide(): void {
    this._stopTimer();
  }

  dispose(): void {
    this._stopTimer();
    super.dispose();
  }

  private _markTab(): void {
    for (const [name, button] of this._tabButtons) {
      button.classList.toggle('mlops-tab-active', name === this._tab);
      button.setAttribute('aria-selected', String(name === this._tab));
    }
  }

  private _schedule(): void {
    this._stopTimer();
    this._timer = window.setInterval(() => void this._tick(), ACTIVE_REFRESH_MS);
  }

  private _stopTimer(): void {
    if (this._timer !== null) {
      window.clearInterval(this._timer);
      this._timer = null;
    }
  }

  /** While a run is active (in the list, or on the notebook's kernel), keep the view fresh. */
  private async _tick(): Promise<void> {
    if (!this.isVisible || document.visibilityState === 'hidden' || this._loading) {
      return;
    }
    const ctx = this._source.current();
    const wasActive = this._active !== null;
    if (ctx) {
      try {
        const reply = await requestAPI<{ run: IActiveRun | null }>('active', {
          kernel_id: ctx.kernelId,
          notebook: ctx.path
        });
        this._active = reply.run;
      } catch {
        this._active = null;
      }
    } else {
      this._active = null;
    }
    const running =
      this._active !== null ||
      wasActive ||
      (this._tab === 'runs' && (this._detail ? this._detail.status === 'RUNNING' : this._runs.anyRunning)) ||
      (this._tab === 'pipelines' && this._body.querySelector('.mlops-status-running') !== null);
    if (running) {
      await this.refresh(true);
    }
  }

  async refresh(quiet = false): Promise<void> {
    const generation = ++this._generation;
    this._loading = true;
    if (!quiet) {
      this._body.classList.add('mlops-busy');
    }
    try {
      let view: HTMLElement;
      if (this._tab === 'runs') {
        view = this._detail ? await this._renderDetail(this._detail.run_id) : await this._renderRuns();
      } else if (this._tab === 'models') {
        view = await renderModels(id => this.openRun(id));
      } else if (this._tab === 'data') {
        view = await renderData(id => this.openRun(id));
      } else {
        view = await renderPipelines(id => this.openRun(id));
      }
      if (generation === this._generation) {
        const scroll = this._body.scrollTop;
        clear(this._body);
        this._body.appendChild(view);
        this._body.scrollTop = quiet ? scroll : 0;
      }
    } catch (error) {
      if (generation === this._generation) {
        clear(this._body);
        this._body.appendChild(errorView(error));
      }
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._body.classList.remove('mlops-busy');
      }
    }
  }

  // -- runs ------------------------------------------------------------------------------------
  private async _renderRuns(): Promise<HTMLElement> {
    const ctx = this._source.current();
    const notebook = ctx ? ctx.path : null;
    // a quiet refresh keeps as many rows as are shown (at least one page)
    const want = Math.max(PAGE_SIZE, Math.min(200, this._runs.runs.length));
    const page = await requestAPI<IRunPage>('runs', { notebook, max_results: want });
    this._runs.reset(page, notebook, Date.now());
    return this._runsView();
  }

  private _runsView(): HTMLElement {
    const list = this._runs;
    const root = h('div', { class: 'mlops-runs' });
    if (!list.storeExists || (list.isEmpty && !list.hasMore)) {
      root.appendChild(
        h(
          'div',
          { class: 'mlops-empty' },
          h('p', null, list.storeExists ? 'No runs in this project yet.' : 'No tracking store in this project yet.'),
          h('p', null, 'In a notebook, type ', code('%load_ext mlops_magics'), ' then ', code('%mlops track'),
            ' to record the notebook, or start a cell with ', code('%%mlops track'), ' to track just that cell.'),
          list.store ? h('p', { class: 'mlops-muted' }, 'Store: ', list.store) : null
        )
      );
      return root;
    }
    const now = Date.now();
    for (const section of list.sections()) {
      root.appendChild(h('div', { class: 'mlops-section-title' }, section.title));
      if (!section.runs.length) {
        root.appendChild(
          h('div', { class: 'mlops-empty mlops-empty-small' }, 'No runs from this notebook yet: run ',
            code('%mlops track'), ' or a ', code('%%mlops track'), ' cell.')
        );
      }
      const ul = h('ul', { class: 'mlops-list' });
      for (const run of section.runs) {
        ul.appendChild(this._runRow(run, now));
      }
      root.appendChild(ul);
    }
    if (list.hasMore) {
      root.appendChild(
        h('button', { class: 'mlops-more', onclick: () => void this._loadMore(root) }, 'Load more runs')
      );
    }
    return root;
  }

  private _runRow(run: IRunSummary, now: number): HTMLElement {
    const list = this._runs;
    const elapsed = elapsedMs(run.start_time, run.end_time, list.serverTime, list.fetchedAt, now);
    const li = h(
      'li',
      {
        class: 'mlops-run',
        'data-run-id': run.run_id,
        title: `${run.name}\n${run.run_id}\n${run.status}`,
        tabindex: '0',
        onclick: () => this.openRun(run.run_id)
      },
      h('div', { class: 'mlops-row-main' },
        h('span', { class: `mlops-dot ${statusClass(run.status)}`, title: run.status }),
        h('span', { class: 'mlops-run-name' }, run.name || run.run_id.slice(0, 8)),
        run.kind ? h('span', { class: 'mlops-chip' }, run.kind) : null),
      h('div', { class: 'mlops-subline mlops-muted' },
        relativeTime(run.start_time, list.serverTime + (now - list.fetchedAt)),
        ` \u00b7 ${formatDuration(elapsed)}`,
        run.experiment ? ` \u00b7 ${run.experiment}` : '',
        ...metricSnippets(run.metrics).map(m => ` \u00b7 ${m}`))
    );
    li.addEventListener('keydown', ev => {
      if (ev.key === 'Enter') {
        this.openRun(run.run_id);
      }
    });
    return li;
  }

  private async _loadMore(root: HTMLElement): Promise<void> {
    const token = this._runs.nextPageToken;
    if (!token) {
      return;
    }
    try {
      const page = await requestAPI<IRunPage>('runs', {
        notebook: this._runs.notebook,
        max_results: PAGE_SIZE,
        page_token: token
      });
      this._runs.append(page, Date.now());
      const view = this._runsView();
      root.replaceWith(view);
    } catch (error) {
      root.appendChild(errorView(error));
    }
  }

  openRun(runId: string): void {
    this._tab = 'runs';
    this._markTab();
    this._detail = { run_id: runId } as IRunDetail;
    void this.refresh();
  }

  private async _renderDetail(runId: string): Promise<HTMLElement> {
    const run = await requestAPI<IRunDetail>(`runs/${encodeURIComponent(runId)}`);
    this._detail = run;
    this._detailFetchedAt = Date.now();
    const now = Date.now();
    const elapsed = elapsedMs(run.start_time, run.end_time, run.server_time, this._detailFetchedAt, now);
    const root = h('div', { class: 'mlops-detail' });
    root.appendChild(
      h('button', {
        class: 'mlops-back',
        onclick: () => {
          this._detail = null;
          void this.refresh();
        }
      }, '\u2190 All runs')
    );
    root.appendChild(
      h('h3', { class: 'mlops-detail-title' },
        h('span', { class: `mlops-dot ${statusClass(run.status)}`, title: run.status }),
        run.name || run.run_id)
    );
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
    root.appendChild(keyValueTable(facts.filter(([, v]) => v) as [string, string][], 'mlops-facts'));
    if (run.parent_id) {
      const parentId = run.parent_id;
      root.appendChild(
        h('div', { class: 'mlops-link mlops-clickable', onclick: () => this.openRun(parentId) }, '\u2191 Parent run')
      );
    }
    const ui = safeHttpUrl(run.ui_url);
    if (ui) {
      root.appendChild(h('a', { class: 'mlops-link', href: ui }, 'Open in the MLflow UI \u2197'));
    } else {
      root.appendChild(
        h('p', { class: 'mlops-muted mlops-small' }, 'No MLflow UI address is configured (MLFLOW_TRACKING_URI); ',
          code('%mlops status'), ' shows how to open this store in ', code('mlflow ui'), '.')
      );
    }
    root.appendChild(h('h4', null, `Parameters (${Object.keys(run.params).length})`));
    root.appendChild(
      Object.keys(run.params).length
        ? keyValueTable(Object.entries(run.params).sort(), 'mlops-params')
        : h('p', { class: 'mlops-muted' }, 'none')
    );
    root.appendChild(h('h4', null, `Metrics (${Object.keys(run.metrics).length})`));
    root.appendChild(
      Object.keys(run.metrics).length
        ? keyValueTable(Object.entries(run.metrics).sort().map(([k, v]) => [k, formatMetric(v)]), 'mlops-metrics')
        : h('p', { class: 'mlops-muted' }, 'none')
    );
    root.appendChild(h('h4', null, `Artifacts (${run.artifacts.length})`));
    const arts = h('ul', { class: 'mlops-artifacts' });
    for (const a of run.artifacts) {
      arts.appendChild(
        h('li', null, a.is_dir ? '\u{1F4C1} ' : '', a.path, a.is_dir ? '/' : '',
          a.size !== null ? h('span', { class: 'mlops-muted' }, ` ${formatBytes(a.size)}`) : null,
          a.error ? h('span', { class: 'mlops-error' }, ` ${a.error}`) : null)
      );
    }
    root.appendChild(run.artifacts.length ? arts : h('p', { class: 'mlops-muted' }, 'none'));
    if (run.children.length) {
      root.appendChild(h('h4', null, `Child runs (${run.children.length})`));
      const ul = h('ul', { class: 'mlops-list' });
      for (const child of run.children) {
        ul.appendChild(this._runRow(child, now));
      }
      root.appendChild(ul);
    }
    const userTags = Object.entries(run.tags).filter(([k]) => !k.startsWith('mlops.'));
    if (userTags.length) {
      root.appendChild(h('h4', null, `Tags (${userTags.length})`));
      root.appendChild(keyValueTable(userTags.sort(), 'mlops-tags'));
    }
    return root;
  }
}

function keyValueTable(rows: [string, string][], cls: string): HTMLElement {
  const table = h('table', { class: `mlops-kv ${cls}` });
  for (const [k, v] of rows) {
    table.appendChild(h('tr', null, h('th', null, k), h('td', null, v)));
  }
  return table;
}

function errorView(error: unknown): HTMLElement {
  const message = error instanceof ApiError ? error.message : String(error);
  return h('div', { class: 'mlops-empty mlops-error' }, h('p', null, 'Could not load: ', message));
}

export { basename, mlflowRunUrl };
