/** The MLOps side panel: tabs Runs / Models / Data / Pipelines. All text is set as text. */

import { Widget } from '@lumino/widgets';

import { ApiError, requestAPI } from './api';
import { clear, code, h } from './dom';
import {
  IActiveRun,
  IDataset,
  IPipelineRun,
  IRegisteredModel,
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
        view = await this._renderModels();
      } else if (this._tab === 'data') {
        view = await this._renderData();
      } else {
        view = await this._renderPipelines();
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

  // -- models ----------------------------------------------------------------------------------
  private async _renderModels(): Promise<HTMLElement> {
    const reply = await requestAPI<{ models: IRegisteredModel[]; ui_url?: string | null }>('models');
    const root = h('div', { class: 'mlops-models' });
    if (!reply.models.length) {
      root.appendChild(
        h('div', { class: 'mlops-empty' },
          h('p', null, 'No registered models yet.'),
          h('p', null, 'Register a fitted model from a notebook with ',
            code('%mlops register clf --name churn'), ' and point an alias at it with ',
            code('%mlops promote churn@v1 --to champion'), '.'))
      );
      return root;
    }
    for (const model of reply.models) {
      const aliases = Object.entries(model.aliases);
      const card = h('div', { class: 'mlops-card', 'data-model': model.name },
        h('div', { class: 'mlops-card-title' }, model.name,
          ...aliases.map(([alias, v]) => h('span', { class: 'mlops-chip mlops-alias' }, `@${alias} \u2192 v${v}`))),
        model.description ? h('div', { class: 'mlops-muted' }, model.description) : null
      );
      const ul = h('ul', { class: 'mlops-list' });
      for (const v of model.versions) {
        ul.appendChild(
          h('li', { class: 'mlops-row' },
            h('span', { class: `mlops-dot ${statusClass(v.status)}`, title: v.status }),
            h('span', { class: 'mlops-run-name' }, `v${v.version}`),
            ...v.aliases.map(a => h('span', { class: 'mlops-chip mlops-alias' }, `@${a}`)),
            v.run_id
              ? h('span', {
                  class: 'mlops-muted mlops-right mlops-clickable',
                  title: 'Open the run',
                  onclick: () => this.openRun(v.run_id as string)
                }, `run ${v.run_id.slice(0, 8)}`)
              : null,
            h('div', { class: 'mlops-subline mlops-muted' }, relativeTime(v.created, Date.now())))
        );
      }
      card.appendChild(ul);
      root.appendChild(card);
    }
    return root;
  }

  // -- data ------------------------------------------------------------------------------------
  private async _renderData(): Promise<HTMLElement> {
    const reply = await requestAPI<{ available: boolean; reason?: string; datasets: IDataset[] }>('datasets');
    const root = h('div', { class: 'mlops-data' });
    if (!reply.available) {
      root.appendChild(h('div', { class: 'mlops-empty' }, h('p', null, `Data versioning: ${reply.reason ?? 'not available'}.`)));
      return root;
    }
    if (!reply.datasets.length) {
      root.appendChild(
        h('div', { class: 'mlops-empty' },
          h('p', null, 'No datasets versioned yet.'),
          h('p', null, 'Version a file, folder or DataFrame with ', code('%mlops data add PATH_OR_VARIABLE'), '.'))
      );
      return root;
    }
    for (const ds of reply.datasets) {
      const latest = ds.latest;
      const shape = latest.rows !== null ? `${latest.rows.toLocaleString()} rows \u00d7 ${latest.columns ?? '?'} cols` : latest.kind;
      const card = h('details', { class: 'mlops-card', 'data-dataset': ds.name },
        h('summary', { class: 'mlops-card-title' }, `${ds.name}@v${latest.version}`,
          h('span', { class: 'mlops-muted' }, ` ${shape} \u00b7 ${formatBytes(latest.size)} \u00b7 ${ds.count} version(s)`)));
      const ul = h('ul', { class: 'mlops-list' });
      for (const v of ds.versions) {
        ul.appendChild(
          h('li', { class: 'mlops-row' },
            h('span', { class: 'mlops-run-name' }, `v${v.version}`),
            h('span', { class: 'mlops-muted' }, ` ${v.hash.slice(0, 10)} \u00b7 ${formatBytes(v.size)}`),
            h('span', { class: 'mlops-muted mlops-right' }, v.created.replace('T', ' ').slice(0, 16)),
            v.message ? h('div', { class: 'mlops-subline' }, v.message) : null,
            v.produced_by
              ? h('div', {
                  class: 'mlops-subline mlops-muted mlops-clickable',
                  onclick: () => this.openRun(v.produced_by as string)
                }, `produced by run ${v.produced_by.slice(0, 8)}`)
              : null)
        );
      }
      card.appendChild(ul);
      root.appendChild(card);
    }
    return root;
  }

  // -- pipelines -------------------------------------------------------------------------------
  private async _renderPipelines(): Promise<HTMLElement> {
    const reply = await requestAPI<{ available: boolean; reason?: string; pipelines: IPipelineRun[]; server_time?: number }>('pipelines');
    const root = h('div', { class: 'mlops-pipelines' });
    if (!reply.available) {
      root.appendChild(h('div', { class: 'mlops-empty' }, h('p', null, `Pipelines: ${reply.reason ?? 'not available'}.`)));
      return root;
    }
    if (!reply.pipelines.length) {
      root.appendChild(
        h('div', { class: 'mlops-empty' },
          h('p', null, 'No pipeline runs yet.'),
          h('p', null, 'Run a pipeline of notebooks with ', code('%mlops pipeline run pipeline.yaml'), ' (or ',
            code('mlops run pipeline.yaml'), ' in a terminal), or use "Run notebook with parameters\u2026" on a notebook.'))
      );
      return root;
    }
    const fetchedAt = Date.now();
    for (const p of reply.pipelines) {
      const elapsed = elapsedMs(p.start_time, p.end_time, reply.server_time ?? fetchedAt, fetchedAt, Date.now());
      const card = h('div', { class: 'mlops-card', 'data-pipeline': p.pipeline },
        h('div', { class: 'mlops-card-title mlops-clickable', onclick: () => this.openRun(p.run_id) },
          h('span', { class: `mlops-dot ${statusClass(p.status)}`, title: p.status }),
          p.pipeline,
          h('span', { class: 'mlops-muted' }, ` ${relativeTime(p.start_time, Date.now())} \u00b7 ${formatDuration(elapsed)}`)));
      const steps = h('div', { class: 'mlops-steps' });
      for (const s of p.steps) {
        steps.appendChild(
          h('span', {
            class: `mlops-step ${statusClass(s.state)}`,
            title: [s.state, s.reason, s.error].filter(Boolean).join('\n'),
            onclick: () => this.openRun(s.run_id)
          }, `${s.name}: ${s.state}`)
        );
      }
      if (!p.steps.length) {
        steps.appendChild(h('span', { class: 'mlops-muted' }, 'every step reused from cache'));
      }
      card.appendChild(steps);
      root.appendChild(card);
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
