/** The Runs tab: the open notebook's runs first, then the others; a click opens a run's details. */

import { requestAPI } from './api';
import { RunDetailView } from './detail';
import { code, h } from './dom';
import { KeyedList, Slot } from './keyed';
import { IRunDetail, IRunPage, IRunRow, RunList, runRow } from './model';
import { renderRunRow, runRowSig } from './runrow';
import { INotebookContextSource, OpenRun, TabView } from './tabview';

const PAGE_SIZE = 50;
const MAX_REFRESHED = 200;

type RunsData =
  | { kind: 'list'; page: IRunPage; notebook: string | null; fetchedAt: number }
  | { kind: 'detail'; run: IRunDetail; fetchedAt: number };

interface ISection {
  root: HTMLElement;
  title: HTMLElement;
  hint: Slot;
  rows: KeyedList<IRunRow>;
}

export class RunsView extends TabView<RunsData> {
  private readonly _runs = new RunList();
  private _openId: string | null = null;
  private readonly _listPane: HTMLElement;
  private readonly _empty = new Slot(h('div', { class: 'mlops-runs-empty' }));
  private readonly _sections: [ISection, ISection];
  private readonly _more: HTMLButtonElement;
  private readonly _detail: RunDetailView;

  /**
   * @param _source the current notebook (its runs come first)
   * @param openRun opens a run's details (through the panel, which switches to this tab)
   * @param back leaves the details for the list (through the panel, which refreshes)
   */
  constructor(
    private readonly _source: INotebookContextSource,
    openRun: OpenRun,
    back: () => void
  ) {
    super('runs', 'Runs');
    const rowRenderer = (row: IRunRow) => renderRunRow(row, openRun);
    const section = (): ISection => {
      const title = h('div', { class: 'mlops-section-title' });
      const hint = new Slot(h('div', { class: 'mlops-section-hint' }));
      const ul = h('ul', { class: 'mlops-list' });
      return {
        root: h('div', { class: 'mlops-section' }, title, hint.node, ul),
        title,
        hint,
        rows: new KeyedList<IRunRow>(ul, r => r.id, runRowSig, rowRenderer)
      };
    };
    this._sections = [section(), section()];
    this._more = h(
      'button',
      { class: 'mlops-more', onclick: () => void this._loadMore() },
      'Load more runs'
    );
    this._listPane = h(
      'div',
      { class: 'mlops-runs' },
      this._empty.node,
      this._sections[0].root,
      this._sections[1].root,
      this._more
    );
    this._detail = new RunDetailView(back, openRun);
    this.node.appendChild(this._listPane);
    this.node.appendChild(this._detail.node);
    this._showPane();
  }

  /** The run whose details are shown, if any. */
  get openRunId(): string | null {
    return this._openId;
  }

  /** Show run `runId`'s details from the next refresh on. */
  openRun(runId: string): void {
    if (runId !== this._openId) {
      this._detail.reset();
    }
    this._openId = runId;
    this.invalidate();
    this._showPane();
  }

  /** Back to the list (shown as it was until the next refresh). */
  closeRun(): void {
    this._openId = null;
    this.invalidate();
    this._showPane();
  }

  protected async fetch(): Promise<RunsData> {
    if (this._openId) {
      const run = await requestAPI<IRunDetail>(`runs/${encodeURIComponent(this._openId)}`);
      return { kind: 'detail', run, fetchedAt: Date.now() };
    }
    const ctx = this._source.current();
    const notebook = ctx ? ctx.path : null;
    // a refresh keeps as many rows as are shown (at least one page)
    const want = Math.max(PAGE_SIZE, Math.min(MAX_REFRESHED, this._runs.runs.length));
    const page = await requestAPI<IRunPage>('runs', { notebook, max_results: want });
    return { kind: 'list', page, notebook, fetchedAt: Date.now() };
  }

  protected render(data: RunsData): void {
    if (data.kind === 'detail') {
      if (data.run.run_id === this._openId) {
        this._detail.show(data.run, data.fetchedAt);
      }
      return;
    }
    this._runs.reset(data.page, data.notebook, data.fetchedAt);
    this._showList();
  }

  private _showPane(): void {
    this._listPane.hidden = this._openId !== null;
    this._detail.node.hidden = this._openId === null;
  }

  private _showList(): void {
    const list = this._runs;
    const empty = !list.storeExists || (list.isEmpty && !list.hasMore);
    this._empty.set(JSON.stringify([empty, list.storeExists, list.store]), () =>
      empty ? emptyStore(list.storeExists, list.store) : null
    );
    const sections = empty ? [] : list.sections();
    const now = Date.now();
    this._sections.forEach((section, i) => {
      const shown = sections[i];
      section.root.hidden = !shown;
      if (!shown) {
        section.rows.clear();
        section.hint.clear();
        return;
      }
      if (section.title.textContent !== shown.title) {
        section.title.textContent = shown.title;
      }
      const noneHere = !shown.runs.length && list.notebook !== null && i === 0;
      section.hint.set(String(noneHere), () => (noneHere ? noRunsHere() : null));
      section.rows.update(shown.runs.map(r => runRow(r, list.serverTime, list.fetchedAt, now)));
    });
    this._more.hidden = empty || !list.hasMore;
  }

  private async _loadMore(): Promise<void> {
    const token = this._runs.nextPageToken;
    if (!token) {
      return;
    }
    this._more.disabled = true;
    try {
      const page = await requestAPI<IRunPage>('runs', {
        notebook: this._runs.notebook,
        max_results: PAGE_SIZE,
        page_token: token
      });
      this._runs.append(page, Date.now());
      this._showList();
    } catch (error) {
      this.errorSlot.set(String(error), () =>
        h(
          'div',
          { class: 'mlops-empty mlops-error' },
          h('p', null, 'Could not load more runs: ', String(error))
        )
      );
    } finally {
      this._more.disabled = false;
    }
  }
}

function emptyStore(storeExists: boolean, store: string): HTMLElement {
  return h(
    'div',
    { class: 'mlops-empty' },
    h(
      'p',
      null,
      storeExists ? 'No runs in this project yet.' : 'No tracking store in this project yet.'
    ),
    h(
      'p',
      null,
      'In a notebook, type ',
      code('%load_ext mlops_magics'),
      ' then ',
      code('%mlops track'),
      ' to record the notebook, or start a cell with ',
      code('%%mlops track'),
      ' to track just that cell.'
    ),
    store ? h('p', { class: 'mlops-muted mlops-store' }, 'Store: ', store) : null
  );
}

function noRunsHere(): HTMLElement {
  return h(
    'div',
    { class: 'mlops-empty mlops-empty-small' },
    'No runs from this notebook yet: run ',
    code('%mlops track'),
    ' or a ',
    code('%%mlops track'),
    ' cell.'
  );
}
