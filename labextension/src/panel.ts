/**
 * The MLOps side panel: a JupyterLab `SidePanel` (its toolbar filled from the settings schema's
 * `jupyter.lab.toolbars.MlopsPanel`) holding a tab panel Runs / Models / Data / Pipelines.
 *
 * One `Poll` (`@lumino/polling`, as jupyterlab-git's model does) refreshes the visible tab at the
 * interval of the settings, backs off when the server fails, and stands by while the panel is
 * collapsed or the browser tab is hidden.
 */

import { SidePanel, TabPanelSvg } from '@jupyterlab/ui-components';
import type { ITranslator } from '@jupyterlab/translation';
import { Poll } from '@lumino/polling';
import { Panel, Widget } from '@lumino/widgets';

import { DataView, ModelsView, PipelinesView } from './catalog';
import { RunsView } from './runs';
import { IMlopsSettings, MAX_REFRESH_INTERVAL, SettingsHolder } from './settings';
import { INotebookContextSource, TabName, TabView } from './tabview';

export type { INotebookContextSource, TabName } from './tabview';

export class MlopsPanel extends SidePanel {
  readonly runs: RunsView;
  private readonly _tabs: TabPanelSvg;
  private readonly _views: TabView<unknown>[];
  private readonly _poll: Poll;

  constructor(
    source: INotebookContextSource,
    private readonly _settings: SettingsHolder,
    translator?: ITranslator
  ) {
    super({ content: new Panel(), translator });
    this.id = 'mlops-panel';
    this.addClass('mlops-panel');
    this.title.caption = 'MLOps: runs, models, data, pipelines';

    const openRun = (runId: string) => this.openRun(runId);
    this.runs = new RunsView(source, openRun, () => this.closeRun());
    this._views = [
      this.runs,
      new ModelsView(openRun),
      new DataView(openRun),
      new PipelinesView(openRun)
    ];
    this._tabs = new TabPanelSvg({ tabsMovable: false });
    this._tabs.addClass('mlops-tabs');
    this._tabs.tabBar.addClass('mlops-tabbar');
    for (const view of this._views) {
      this._tabs.addWidget(view);
    }
    this.content.addWidget(this._tabs);
    this._tabs.currentChanged.connect(this._onTabChanged, this);

    this._poll = new Poll({
      auto: false,
      factory: () => this._currentView().refresh(),
      frequency: {
        interval: _settings.current.refreshInterval,
        backoff: true,
        max: MAX_REFRESH_INTERVAL
      },
      standby: () => (this.isVisible ? 'when-hidden' : true),
      name: 'mlops-magics:panel'
    });
    _settings.changed.connect(this._onSettings, this);
  }

  /** The tab shown. */
  get tab(): TabName {
    return this._currentView().tabName;
  }

  showTab(name: TabName): void {
    const view = this._views.find(v => v.tabName === name);
    if (view && this._tabs.currentWidget !== view) {
      this._tabs.currentWidget = view; // refreshes through currentChanged
    }
  }

  /** Show one run's details (from a row, a model version, a dataset, the status bar). */
  openRun(runId: string): void {
    this.runs.openRun(runId);
    if (this._tabs.currentWidget !== this.runs) {
      this._tabs.currentWidget = this.runs;
    } else {
      void this.refresh();
    }
  }

  closeRun(): void {
    this.runs.closeRun();
    void this.refresh();
  }

  /** Ask the server now; resolves once the visible tab is updated (or the poll stands by). */
  async refresh(): Promise<void> {
    if (this.isDisposed) {
      return;
    }
    await this._settings.ready; // the first request waits for the user's refresh interval
    await this._poll.refresh();
    await this._poll.tick.catch(() => undefined);
  }

  /** The current notebook (or its kernel) changed: its runs come first in the list. */
  notebookChanged(): void {
    if (this.tab === 'runs' && this.runs.openRunId === null) {
      void this.refresh();
    }
  }

  /** A cell finished somewhere: a run may have started or ended. */
  executionFinished(): void {
    if (this.isVisible) {
      void this.refresh();
    }
  }

  protected onAfterShow(msg: Parameters<Widget['processMessage']>[0]): void {
    super.onAfterShow(msg);
    void this.refresh();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    this._settings.changed.disconnect(this._onSettings, this);
    super.dispose();
  }

  private _currentView(): TabView<unknown> {
    return (this._tabs.currentWidget as TabView<unknown> | null) ?? this.runs;
  }

  private _onTabChanged(): void {
    void this.refresh();
  }

  private _onSettings(_: SettingsHolder, settings: IMlopsSettings): void {
    this._poll.frequency = { ...this._poll.frequency, interval: settings.refreshInterval };
  }
}
