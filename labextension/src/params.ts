/** "Toggle parameters cell": the papermill `parameters` tag and its visible marker. */

import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { toggleTag } from './model';

export const PARAMETERS_TAG = 'parameters';
export const MARKER_CLASS = 'mlops-parameters-cell';

function tagsOf(cell: Cell): string[] {
  const tags = cell.model.getMetadata('tags');
  return Array.isArray(tags) ? (tags as string[]) : [];
}

/** Add the papermill `parameters` tag to the cell, or remove it. Returns whether it is now set. */
export function toggleParametersTag(cell: Cell): boolean {
  const next = toggleTag(tagsOf(cell), PARAMETERS_TAG);
  if (next) {
    cell.model.setMetadata('tags', next);
  } else {
    cell.model.deleteMetadata('tags');
  }
  markCell(cell);
  return (next ?? []).includes(PARAMETERS_TAG);
}

export function markCell(cell: Cell): void {
  cell.toggleClass(MARKER_CLASS, tagsOf(cell).includes(PARAMETERS_TAG));
}

/** Keep the visible marker on every cell of a notebook in step with its tags. */
export function trackMarkers(panel: NotebookPanel): void {
  const sync = () => {
    for (const cell of panel.content.widgets) {
      markCell(cell);
    }
  };
  const watched = new WeakSet<object>();
  const watch = () => {
    for (const cell of panel.content.widgets) {
      if (!watched.has(cell.model)) {
        watched.add(cell.model);
        cell.model.metadataChanged.connect(() => markCell(cell));
      }
    }
    sync();
  };
  void panel.context.ready.then(() => {
    watch();
    // the notebook widget makes the new cells' widgets on the same signal, connected before this one
    panel.content.model?.cells.changed.connect(watch);
  });
}
