/** Status bar item: the active tracked run of the current notebook's kernel (name, elapsed time). */

import { Widget } from '@lumino/widgets';

import { requestAPI } from './api';
import { clear, h } from './dom';
import { IActiveRun, elapsedMs, formatClock } from './model';
import { INotebookContextSource } from './panel';

const POLL_MS = 2500;

export class RunIndicator extends Widget {
  private _run: IActiveRun | null = null;
  private _fetchedAt = 0;
  private _poll: number;
  private _clock: number;
  private _busy = false;

  constructor(
    private readonly _source: INotebookContextSource,
    private readonly _onClick: (runId: string) => void
  ) {
    super();
    this.addClass('mlops-statusbar');
    this.node.title = 'Active MLflow run of this notebook\u2019s kernel (click for details)';
    this.node.addEventListener('click', () => {
      if (this._run) {
        this._onClick(this._run.run_id);
      }
    });
    this._poll = window.setInterval(() => void this.update_(), POLL_MS);
    this._clock = window.setInterval(() => this._render(), 1000);
    void this.update_();
  }

  get run(): IActiveRun | null {
    return this._run;
  }

  /** Ask the server now (the notebook changed, a cell finished). */
  async update_(): Promise<void> {
    if (this._busy || document.visibilityState === 'hidden') {
      return;
    }
    const ctx = this._source.current();
    if (!ctx || (!ctx.kernelId && !ctx.path)) {
      this._set(null);
      return;
    }
    this._busy = true;
    try {
      const reply = await requestAPI<{ run: IActiveRun | null }>('active', {
        kernel_id: ctx.kernelId,
        notebook: ctx.path
      });
      this._set(reply.run);
    } catch {
      this._set(null);
    } finally {
      this._busy = false;
    }
  }

  private _set(run: IActiveRun | null): void {
    this._run = run;
    this._fetchedAt = Date.now();
    this._render();
  }

  private _render(): void {
    clear(this.node);
    const run = this._run;
    if (!run) {
      this.node.classList.add('mlops-hidden');
      return;
    }
    this.node.classList.remove('mlops-hidden');
    const elapsed = elapsedMs(run.start_time, null, run.server_time, this._fetchedAt, Date.now());
    const label = run.kind === 'cell' && run.notebook_run ? `${run.notebook_run.name} \u203a ${run.name}` : run.name;
    this.node.appendChild(h('span', { class: 'mlops-dot mlops-status-running' }));
    this.node.appendChild(h('span', { class: 'mlops-statusbar-name' }, label));
    this.node.appendChild(h('span', { class: 'mlops-statusbar-clock' }, ` ${formatClock(elapsed ?? 0)}`));
  }

  dispose(): void {
    window.clearInterval(this._poll);
    window.clearInterval(this._clock);
    super.dispose();
  }
}
