/** What every tab of the side panel shares: fetch, then update in place; errors shown above the data. */

import { Widget } from '@lumino/widgets';

import { ApiError } from './api';
import { h } from './dom';
import { Slot } from './keyed';

export type TabName = 'runs' | 'models' | 'data' | 'pipelines';

/** Opens one run's details in the panel. */
export type OpenRun = (runId: string) => void;

export abstract class TabView<D> extends Widget {
  /** The last error, above the (still shown) last data; empty after a good answer. */
  protected readonly errorSlot = new Slot(h('div', { class: 'mlops-error-slot' }));
  private _generation = 0;

  constructor(
    readonly tabName: TabName,
    label: string
  ) {
    super();
    this.addClass('mlops-view');
    this.addClass(`mlops-view-${tabName}`);
    this.title.label = label;
    this.title.className = 'mlops-tab';
    this.title.dataset = { tab: tabName };
    this.node.appendChild(this.errorSlot.node);
  }

  /**
   * Fetch and show. Rejects after showing the error so the panel's poll backs off; an answer that
   * arrives after a newer request was sent is dropped.
   */
  async refresh(): Promise<void> {
    const generation = ++this._generation;
    try {
      const data = await this.fetch();
      if (generation === this._generation && !this.isDisposed) {
        this.errorSlot.clear();
        this.render(data);
      }
    } catch (error) {
      if (generation === this._generation && !this.isDisposed) {
        const message = errorMessage(error);
        this.errorSlot.set(message, () =>
          h('div', { class: 'mlops-empty mlops-error' }, h('p', null, 'Could not load: ', message))
        );
      }
      throw error;
    }
  }

  /** Forget answers in flight (the view is about to ask something else). */
  protected invalidate(): void {
    this._generation++;
  }

  protected abstract fetch(): Promise<D>;

  protected abstract render(data: D): void;
}

export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

/** Where the panel and the status bar learn which notebook (and kernel) is current. */
export interface INotebookContextSource {
  current(): { path: string; kernelId: string | null } | null;
}
