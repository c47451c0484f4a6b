/**
 * mlops-magics JupyterLab extension: the MLOps side panel, the run indicator in the status bar,
 * and the parameters-cell commands.
 *
 * Only the application is required: every other token is optional, so the extension degrades in
 * Notebook 7 (no status bar there; the panel goes to the left area where the shell has one).
 * The user's choices (refresh interval, what the status bar shows, which toolbar buttons and
 * where) come from `schema/plugin.json` through the setting registry.
 */

import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  IToolbarWidgetRegistry,
  createToolbarFactory,
  setToolbar
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { CommandToolbarButton, LabIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Signal } from '@lumino/signaling';

// the panel and the status bar item are shown at start: their modules are needed at once
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { MlopsPanel } from './panel';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { toggleParametersTag, trackMarkers } from './params';
import { PLUGIN_ID, SettingsHolder } from './settings';
// eslint-disable-next-line jupyter/prefer-lazy-imports
import { RunIndicator } from './statusbar';
import { INotebookContextSource } from './tabview';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161">
<path d="M3 3h2v16h16v2H3z"/>
<path d="M7 15.6l4.2-5.2 3.3 2.7L19.6 6 21 7.4l-6.3 8.4-3.2-2.6-3 3.8z"/>
<circle cx="11.2" cy="10.4" r="1.6"/><circle cx="14.6" cy="13.1" r="1.6"/><circle cx="19.6" cy="6" r="1.6"/>
</g></svg>`;

export const mlopsIcon = new LabIcon({ name: 'mlops-magics:icon', svgstr: ICON_SVG });

/** The toolbar factory name of the panel (`jupyter.lab.toolbars.MlopsPanel` in the schema). */
const PANEL_TOOLBAR = 'MlopsPanel';

namespace CommandIDs {
  export const toggleParameters = 'mlops:toggle-parameters-cell';
  export const runWithParameters = 'mlops:run-notebook-with-parameters';
  export const openPanel = 'mlops:open-panel';
  export const refreshPanel = 'mlops:refresh-panel';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'MLOps side panel, run indicator and parameters-cell commands for mlops_magics.',
  autoStart: true,
  optional: [
    INotebookTracker,
    IStatusBar,
    ICommandPalette,
    ILayoutRestorer,
    ILabShell,
    ISettingRegistry,
    IToolbarWidgetRegistry,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null,
    settingRegistry: ISettingRegistry | null,
    toolbarRegistry: IToolbarWidgetRegistry | null,
    translator: ITranslator | null
  ) => {
    const settings = new SettingsHolder();
    const source: INotebookContextSource = {
      current() {
        const panel = tracker?.currentWidget;
        if (!panel) {
          return null;
        }
        return {
          path: panel.context.path,
          kernelId: panel.sessionContext.session?.kernel?.id ?? null
        };
      }
    };

    // -- the side panel ------------------------------------------------------------------------
    const panel = new MlopsPanel(source, settings, translator ?? undefined);
    panel.title.icon = mlopsIcon;
    app.commands.addCommand(CommandIDs.refreshPanel, {
      label: 'Refresh MLOps panel',
      caption: 'Refresh',
      icon: refreshIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => panel.refresh()
    });
    if (settingRegistry && toolbarRegistry) {
      // registers the schema transform that gathers `jupyter.lab.toolbars.MlopsPanel`: before any load
      const factory = createToolbarFactory(
        toolbarRegistry,
        settingRegistry,
        PANEL_TOOLBAR,
        PLUGIN_ID,
        translator ?? nullTranslator
      );
      setToolbar(panel, factory);
    } else {
      panel.toolbar.addItem(
        'refresh',
        new CommandToolbarButton({
          commands: app.commands,
          id: CommandIDs.refreshPanel,
          args: { toolbar: true }
        })
      );
    }
    try {
      app.shell.add(panel, 'left', { rank: 600 });
      restorer?.add(panel, 'mlops-panel');
    } catch (error) {
      console.warn('mlops-magics: this shell has no left area; the panel is not shown', error);
    }
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Show MLOps panel',
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => app.shell.activateById(panel.id)
    });

    // -- the status bar ------------------------------------------------------------------------
    let indicator: RunIndicator | null = null;
    if (statusBar) {
      const statusBarChanged = new Signal<SettingsHolder, void>(settings);
      settings.changed.connect(() => statusBarChanged.emit());
      indicator = new RunIndicator(source, settings, runId => {
        app.shell.activateById(panel.id);
        panel.openRun(runId);
      });
      statusBar.registerStatusItem('mlops-magics:active-run', {
        item: indicator,
        align: 'left',
        rank: 4,
        isActive: () => !!tracker?.currentWidget && settings.current.statusBar !== 'hidden',
        activeStateChanged: statusBarChanged
      });
    }

    // -- the user's settings -------------------------------------------------------------------
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          settings.update(loaded.composite);
          loaded.changed.connect(() => settings.update(loaded.composite));
        })
        .catch(reason => {
          console.warn('mlops-magics: settings not loaded, using the defaults', reason);
          settings.markReady();
        });
    } else {
      settings.markReady();
    }

    // -- follow the current notebook and its executions ------------------------------------------
    let kernelWatch: { dispose(): void } | null = null;
    const onNotebook = () => {
      panel.notebookChanged();
      indicator?.refresh();
    };
    tracker?.currentChanged.connect((_, current) => {
      kernelWatch?.dispose();
      kernelWatch = null;
      if (current) {
        const handler = () => onNotebook();
        current.sessionContext.kernelChanged.connect(handler);
        kernelWatch = { dispose: () => current.sessionContext.kernelChanged.disconnect(handler) };
      }
      onNotebook();
    });
    labShell?.currentChanged.connect(() => indicator?.refresh());
    NotebookActions.executed.connect(() => {
      panel.executionFinished();
      indicator?.refresh();
    });
    NotebookActions.executionScheduled.connect(() => indicator?.refresh());
    tracker?.widgetAdded.connect((_, nb) => trackMarkers(nb));
    tracker?.forEach(nb => trackMarkers(nb));

    // -- commands (their toolbar buttons are declared in the schema: jupyter.lab.toolbars) -------
    const hasNotebook = () => !!tracker?.currentWidget;
    app.commands.addCommand(CommandIDs.toggleParameters, {
      label: 'Toggle parameters cell',
      caption: 'Add or remove the papermill "parameters" tag on the active cell',
      describedBy: { args: { type: 'object', properties: { toolbar: { type: 'boolean' } } } },
      isEnabled: () => !!tracker?.activeCell,
      execute: () => {
        const cell = tracker?.activeCell;
        if (cell) {
          toggleParametersTag(cell);
        }
      }
    });
    app.commands.addCommand(CommandIDs.runWithParameters, {
      label: args =>
        args.toolbar ? 'Run with parameters\u2026' : 'Run notebook with parameters\u2026',
      caption:
        'Run this notebook in the background with new parameter values (papermill parameters cell)',
      describedBy: { args: { type: 'object', properties: { toolbar: { type: 'boolean' } } } },
      isEnabled: hasNotebook,
      execute: async () => {
        const current = tracker?.currentWidget;
        if (current) {
          const { runWithParameters } = await import('./rundialog');
          await runWithParameters(
            current,
            path => void app.commands.execute('docmanager:open', { path })
          );
        }
      }
    });
    if (palette) {
      const category = 'MLOps';
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category });
      }
    }
  }
};

export default plugin;
