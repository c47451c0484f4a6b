/**
 * Status bar item: the active tracked run of the current notebook's kernel (name, elapsed time).
 *
 * Two `Poll`s: one asks the server at the settings' interval (backoff on failure, standby when
 * the browser tab is hidden, there is no notebook or the item is turned off); one redraws the
 * clock every second while a run is shown. No request is ever made for a hidden item.
 */

import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { ApiError, requestAPI } from './api';
import { h } from './dom';
import { IActiveRun, elapsedMs, formatClock } from './model';
import { IMlopsSettings, MAX_REFRESH_INTERVAL, SettingsHolder } from './settings';
import { INotebookContextSource } from './tabview';

export class RunIndicator extends Widget {
  private _run: IActiveRun | null = null;
  private _fetchedAt = 0;
  private readonly _poll: Poll;
  private readonly _clock: Poll;
  private readonly _name: HTMLElement;
  private readonly _time: HTMLElement;

  constructor(
    private readonly _source: INotebookContextSource,
    private readonly _settings: SettingsHolder,
    private readonly _onClick: (runId: string) => void
  ) {
    super();
    this.addClass('mlops-statusbar');
    this.addClass('mlops-hidden');
    this.node.title = 'Active MLflow run of this notebook\u2019s kernel (click for details)';
    this._name = h('span', { class: 'mlops-statusbar-name' });
    this._time = h('span', { class: 'mlops-statusbar-clock' });
    this.node.append(
      h('span', { class: 'mlops-dot mlops-status-running' }),
      this._name,
      this._time
    );
    this.node.addEventListener('click', () => {
      if (this._run) {
        this._onClick(this._run.run_id);
      }
    });
    this._poll = new Poll({
      auto: false, // starts once the user's settings are known
      factory: () => this._fetch(),
      frequency: {
        interval: _settings.current.refreshInterval,
        backoff: true,
        max: MAX_REFRESH_INTERVAL
      },
      standby: () => (this._off() || !this._source.current() ? true : 'when-hidden'),
      name: 'mlops-magics:status-bar'
    });
    this._clock = new Poll({
      factory: async () => this._renderClock(),
      frequency: { interval: 1000, backoff: false },
      auto: false, // runs only while a run is shown with its time
      standby: 'when-hidden',
      name: 'mlops-magics:status-bar-clock'
    });
    _settings.changed.connect(this._onSettings, this);
    void _settings.ready.then(() => this._poll.start());
  }

  /** The run shown, if any. */
  get run(): IActiveRun | null {
    return this._run;
  }

  /** Ask the server now (the notebook changed, a cell started or finished). */
  refresh(): void {
    if (this._off() || !this._source.current()) {
      this._set(null);
      return;
    }
    void this._poll.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    this._clock.dispose();
    this._settings.changed.disconnect(this._onSettings, this);
    super.dispose();
  }

  private _off(): boolean {
    return this._settings.current.statusBar === 'hidden';
  }

  private async _fetch(): Promise<void> {
    const ctx = this._source.current();
    if (!ctx || (!ctx.kernelId && !ctx.path)) {
      this._set(null);
      return;
    }
    try {
      const reply = await requestAPI<{ run: IActiveRun | null }>('active', {
        kernel_id: ctx.kernelId,
        notebook: ctx.path
      });
      this._set(reply.run, Date.now());
    } catch (error) {
      this._set(null);
      if (error instanceof ApiError && error.status === 404) {
        return; // the kernel is gone or restarting: no active run, not a failure
      }
      throw error; // the poll backs off
    }
  }

  /** Show `run` (as the server sent it at client time `fetchedAt`), or nothing. */
  private _set(run: IActiveRun | null, fetchedAt = this._fetchedAt): void {
    this._run = run;
    this._fetchedAt = fetchedAt;
    const hidden = !run || this._off();
    this.toggleClass('mlops-hidden', hidden);
    if (run) {
      const label =
        run.kind === 'cell' && run.notebook_run
          ? `${run.notebook_run.name} \u203a ${run.name}`
          : run.name;
      if (this._name.textContent !== label) {
        this._name.textContent = label;
        this._name.title = label;
      }
    }
    this._renderClock();
    if (run && this._settings.current.statusBar === 'name-and-time') {
      void this._clock.start();
    } else {
      void this._clock.stop();
    }
  }

  private _renderClock(): void {
    const run = this._run;
    const show = !!run && this._settings.current.statusBar === 'name-and-time';
    this._time.hidden = !show;
    if (run && show) {
      const elapsed = elapsedMs(run.start_time, null, run.server_time, this._fetchedAt, Date.now());
      const text = ` ${formatClock(elapsed ?? 0)}`;
      if (this._time.textContent !== text) {
        this._time.textContent = text;
      }
    }
  }

  private _onSettings(_: SettingsHolder, settings: IMlopsSettings): void {
    this._poll.frequency = { ...this._poll.frequency, interval: settings.refreshInterval };
    this._set(this._run);
    this.refresh();
  }
}
