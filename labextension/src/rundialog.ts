/**
 * "Run notebook with parameters…": a dialog with the parameters cell's values, then a background
 * run through the server, polled until done. Loaded when the command first runs.
 */

import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type { NotebookPanel } from '@jupyterlab/notebook';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { ApiError, postAPI, requestAPI } from './api';
import { code, h } from './dom';
import { IJob, INotebookParameter, changedParameters } from './model';

const JOB_POLL_MS = 1500;

class ParametersForm extends Widget {
  readonly inputs = new Map<string, HTMLInputElement>();

  constructor(params: INotebookParameter[], note: string | null) {
    super();
    this.addClass('mlops-params-form');
    if (note) {
      this.node.appendChild(h('p', { class: 'mlops-muted' }, note));
    }
    if (!params.length) {
      this.node.appendChild(
        h(
          'p',
          null,
          'This notebook has no parameters cell. Select the cell that assigns the parameters and run ',
          code('Toggle parameters cell'),
          '; the notebook runs with its own values meanwhile.'
        )
      );
    }
    for (const p of params) {
      const input = h('input', {
        class: 'jp-mod-styled mlops-param-input',
        name: p.name,
        'data-param': p.name
      });
      input.value = p.value;
      this.inputs.set(p.name, input);
      this.node.appendChild(
        h(
          'label',
          { class: 'mlops-param' },
          h('span', { class: 'mlops-param-name', title: p.name }, p.name),
          h('span', { class: 'mlops-muted mlops-param-type' }, p.type),
          input
        )
      );
    }
    this.node.appendChild(
      h(
        'p',
        { class: 'mlops-muted mlops-small' },
        'Values are Python literals (0.1, "text", [1, 2]); anything else is passed as a string. Only changed values are sent.'
      )
    );
  }

  getValue(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, input] of this.inputs) {
      out[name] = input.value;
    }
    return out;
  }
}

/** The dialog, then the background run through the server; opens the executed notebook when done. */
export async function runWithParameters(
  panel: NotebookPanel,
  open: (path: string) => void
): Promise<void> {
  const path = panel.context.path;
  if (panel.context.model.dirty) {
    await panel.context.save();
  }
  let info: { parameters: INotebookParameter[]; error?: string };
  try {
    info = await requestAPI<{ parameters: INotebookParameter[]; error?: string }>(
      'notebook/parameters',
      { path }
    );
  } catch (error) {
    Notification.error(
      `Run with parameters: ${error instanceof ApiError ? error.message : String(error)}`
    );
    return;
  }
  const engine = 'Runs in a fresh kernel as a one-step pipeline (tracked as a pipeline run).';
  const form = new ParametersForm(
    info.parameters,
    info.error ? `${info.error}. ${engine}` : engine
  );
  const result = await showDialog({
    title: `Run ${path.split('/').pop()} with parameters`,
    body: form,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })]
  });
  if (!result.button.accept) {
    return;
  }
  const values = changedParameters(info.parameters, form.getValue());
  let job: IJob;
  try {
    job = await postAPI<IJob>('notebook/run', { path, parameters: values });
  } catch (error) {
    Notification.error(
      `Run with parameters: ${error instanceof ApiError ? error.message : String(error)}`
    );
    return;
  }
  const id = Notification.emit(`Running ${path} in the background\u2026`, 'in-progress', {
    autoClose: false
  });
  const done = await waitForJob(job.id);
  const executed = done.result?.executed ?? null;
  const actions = executed ? [{ label: 'Open', callback: () => open(executed) }] : [];
  if (done.state === 'succeeded') {
    Notification.update({
      id,
      message: `${path} ran: ${executed ?? ''}`,
      type: 'success',
      autoClose: 8000,
      actions
    });
  } else {
    Notification.update({
      id,
      message: `${path} failed: ${done.result?.error ?? 'unknown error'}`,
      type: 'error',
      autoClose: false,
      actions
    });
  }
  if (executed) {
    open(executed);
  }
}

/** Poll the background job (backoff if the server fails) until it is no longer running. */
function waitForJob(id: string): Promise<IJob> {
  return new Promise<IJob>(resolve => {
    const finish = (job: IJob) => {
      poll.dispose();
      resolve(job);
    };
    const poll = new Poll({
      factory: async () => {
        try {
          const job = await requestAPI<IJob>(`jobs/${encodeURIComponent(id)}`);
          if (job.state !== 'running') {
            finish(job);
          }
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) {
            finish({
              id,
              notebook: '',
              parameters: {},
              state: 'failed',
              started: 0,
              finished: null,
              result: { ok: false, error: 'the job was lost (server restarted?)' }
            });
            return;
          }
          throw error;
        }
      },
      frequency: { interval: JOB_POLL_MS, backoff: true, max: 30_000 },
      name: 'mlops-magics:job'
    });
  });
}
