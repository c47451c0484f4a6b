/**
 * mlops-magics JupyterLab extension: the MLOps side panel, the run indicator in the status bar,
 * and the parameters-cell commands.
 *
 * Only the application is required: every other token is optional, so the extension degrades in
 * Notebook 7 (no status bar there; the panel goes to the left area where the shell has one).
 */

import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IStatusBar } from '@jupyterlab/statusbar';
import { CommandToolbarButton, LabIcon } from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';

import { MlopsPanel, INotebookContextSource } from './panel';
import { runWithParameters, toggleParametersTag, trackMarkers } from './params';
import { RunIndicator } from './statusbar';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161">
<path d="M3 3h2v16h16v2H3z"/>
<path d="M7 15.6l4.2-5.2 3.3 2.7L19.6 6 21 7.4l-6.3 8.4-3.2-2.6-3 3.8z"/>
<circle cx="11.2" cy="10.4" r="1.6"/><circle cx="14.6" cy="13.1" r="1.6"/><circle cx="19.6" cy="6" r="1.6"/>
</g></svg>`;

export const mlopsIcon = new LabIcon({ name: 'mlops-magics:icon', svgstr: ICON_SVG });

namespace CommandIDs {
  export const toggleParameters = 'mlops:toggle-parameters-cell';
  export const runWithParameters = 'mlops:run-notebook-with-parameters';
  export const openPanel = 'mlops:open-panel';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-magics:plugin',
  description: 'MLOps side panel, run indicator and parameters-cell commands for mlops_magics.',
  autoStart: true,
  optional: [INotebookTracker, IStatusBar, ICommandPalette, ILayoutRestorer, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    labShell: ILabShell | null
  ) => {
    const source: INotebookContextSource = {
      current() {
        const panel = tracker?.currentWidget;
        if (!panel) {
          return null;
        }
        return { path: panel.context.path, kernelId: panel.sessionContext.session?.kernel?.id ?? null };
      }
    };

    // -- the side panel ------------------------------------------------------------------------
    const panel = new MlopsPanel(source);
    panel.title.icon = mlopsIcon;
    try {
      app.shell.add(panel, 'left', { rank: 600 });
      restorer?.add(panel, 'mlops-panel');
    } catch (error) {
      console.warn('mlops-magics: this shell has no left area; the panel is not shown', error);
    }
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Show MLOps panel',
      execute: () => app.shell.activateById(panel.id)
    });

    // -- the status bar ------------------------------------------------------------------------
    let indicator: RunIndicator | null = null;
    if (statusBar) {
      indicator = new RunIndicator(source, runId => {
        app.shell.activateById(panel.id);
        panel.openRun(runId);
      });
      statusBar.registerStatusItem('mlops-magics:active-run', {
        item: indicator,
        align: 'left',
        rank: 4,
        isActive: () => !!tracker?.currentWidget
      });
    }

    // -- follow the current notebook and its executions ------------------------------------------
    let kernelWatch: IDisposable | null = null;
    const onNotebook = () => {
      panel.notebookChanged();
      void indicator?.update_();
    };
    tracker?.currentChanged.connect((_, current) => {
      kernelWatch?.dispose();
      kernelWatch = null;
      if (current) {
        const handler = () => onNotebook();
        current.sessionContext.kernelChanged.connect(handler);
        kernelWatch = { dispose: () => current.sessionContext.kernelChanged.disconnect(handler), isDisposed: false };
      }
      onNotebook();
    });
    labShell?.currentChanged.connect(() => void indicator?.update_());
    NotebookActions.executed.connect(() => {
      panel.executionFinished();
      window.setTimeout(() => void indicator?.update_(), 300);
    });
    NotebookActions.executionScheduled?.connect(() => {
      window.setTimeout(() => void indicator?.update_(), 1200);
    });
    tracker?.widgetAdded.connect((_, nb) => trackMarkers(nb));
    tracker?.forEach(nb => trackMarkers(nb));

    // -- commands --------------------------------------------------------------------------------
    const hasNotebook = () => !!tracker?.currentWidget;
    app.commands.addCommand(CommandIDs.toggleParameters, {
      label: 'Toggle parameters cell',
      caption: 'Add or remove the papermill "parameters" tag on the active cell',
      isEnabled: () => !!tracker?.activeCell,
      execute: () => {
        const cell = tracker?.activeCell;
        if (cell) {
          toggleParametersTag(cell);
        }
      }
    });
    app.commands.addCommand(CommandIDs.runWithParameters, {
      label: args => (args.toolbar ? 'Run with parameters\u2026' : 'Run notebook with parameters\u2026'),
      caption: 'Run this notebook in the background with new parameter values (papermill parameters cell)',
      isEnabled: hasNotebook,
      execute: async () => {
        const current = tracker?.currentWidget;
        if (current) {
          await runWithParameters(current, path => void app.commands.execute('docmanager:open', { path }));
        }
      }
    });
    if (palette) {
      const category = 'MLOps';
      palette.addItem({ command: CommandIDs.toggleParameters, category });
      palette.addItem({ command: CommandIDs.runWithParameters, category });
      palette.addItem({ command: CommandIDs.openPanel, category });
    }

    // notebook toolbar buttons (any shell that shows notebook panels)
    app.docRegistry.addWidgetExtension('Notebook', {
      createNew: (nb: NotebookPanel) => {
        const toggle = new CommandToolbarButton({
          commands: app.commands,
          id: CommandIDs.toggleParameters,
          label: 'Parameters',
          args: { toolbar: true }
        });
        const run = new CommandToolbarButton({
          commands: app.commands,
          id: CommandIDs.runWithParameters,
          args: { toolbar: true }
        });
        toggle.addClass('mlops-toolbar-toggle');
        run.addClass('mlops-toolbar-run');
        nb.toolbar.insertItem(10, 'mlops-toggle-parameters', toggle);
        nb.toolbar.insertItem(11, 'mlops-run-with-parameters', run);
        return {
          dispose: () => {
            toggle.dispose();
            run.dispose();
          },
          isDisposed: false
        } as IDisposable;
      }
    });
  }
};

export default plugin;
