/** The side panel's Models, Data and Pipelines tabs. All text is set as text. */

import { requestAPI } from './api';
import { code, h } from './dom';
import {
  IDataset,
  IPipelineRun,
  IRegisteredModel,
  elapsedMs,
  formatBytes,
  formatDuration,
  relativeTime,
  statusClass
} from './model';

/** Opens one run's details in the panel. */
export type OpenRun = (runId: string) => void;

/** The Models tab: registered models, their versions and aliases. */
export async function renderModels(openRun: OpenRun): Promise<HTMLElement> {
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
                onclick: () => openRun(v.run_id as string)
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

/** The Data tab: datasets and their versions. */
export async function renderData(openRun: OpenRun): Promise<HTMLElement> {
  const reply = await requestAPI<{ datasets: IDataset[] }>('datasets');
  const root = h('div', { class: 'mlops-data' });
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
                onclick: () => openRun(v.produced_by as string)
              }, `produced by run ${v.produced_by.slice(0, 8)}`)
            : null)
      );
    }
    card.appendChild(ul);
    root.appendChild(card);
  }
  return root;
}

/** The Pipelines tab: executions with their step states. */
export async function renderPipelines(openRun: OpenRun): Promise<HTMLElement> {
  const reply = await requestAPI<{ pipelines: IPipelineRun[]; server_time?: number }>('pipelines');
  const root = h('div', { class: 'mlops-pipelines' });
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
      h('div', { class: 'mlops-card-title mlops-clickable', onclick: () => openRun(p.run_id) },
        h('span', { class: `mlops-dot ${statusClass(p.status)}`, title: p.status }),
        p.pipeline,
        h('span', { class: 'mlops-muted' }, ` ${relativeTime(p.start_time, Date.now())} \u00b7 ${formatDuration(elapsed)}`)));
    const steps = h('div', { class: 'mlops-steps' });
    for (const s of p.steps) {
      steps.appendChild(
        h('span', {
          class: `mlops-step ${statusClass(s.state)}`,
          title: [s.state, s.reason, s.error].filter(Boolean).join('\n'),
          onclick: () => openRun(s.run_id)
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
