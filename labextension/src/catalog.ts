/** The side panel's Models, Data and Pipelines tabs: cards keyed by name, updated in place. */

import { requestAPI } from './api';
import { code, h, oneLine } from './dom';
import { KeyedList, Slot } from './keyed';
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
import { IServed, productionSig, servedKey } from './serving';
import { monitoringBlock, servedRow, servingBlock } from './servingview';
import { OpenRun, TabView } from './tabview';

interface IModelsReply {
  models: IRegisteredModel[];
  ui_url?: string | null;
  /** Servers of models that are not registered in this store (a model folder, another store). */
  served_other?: IServed[];
  /** One line each when the monitoring records or the server list could not be read. */
  monitoring_error?: string | null;
  serving_error?: string | null;
}

interface IDatasetsReply {
  datasets: IDataset[];
}

interface IPipelinesReply {
  pipelines: IPipelineRun[];
  server_time?: number;
}

/** A tab whose content is either a hint (nothing there yet, feature missing) or keyed cards. */
abstract class CardsView<D, T> extends TabView<D> {
  protected readonly hint = new Slot(h('div', { class: 'mlops-hint-slot' }));
  protected readonly cards: KeyedList<T>;
  /** The time the current update renders at (relative times are part of a card's signature). */
  protected now = 0;

  constructor(
    tab: 'models' | 'data' | 'pipelines',
    label: string,
    protected readonly openRun: OpenRun
  ) {
    super(tab, label);
    const list = h('div', { class: `mlops-cards mlops-${tab}` });
    this.cards = new KeyedList<T>(
      list,
      item => this.key(item),
      item => JSON.stringify(this.sig(item)),
      item => this.card(item)
    );
    this.node.appendChild(this.hint.node);
    this.node.appendChild(list);
  }

  /** Show `items`, or `hint` (with `hintKey` as its signature) when there is nothing to list. */
  protected showCards(items: readonly T[], hintKey: string, hint: () => HTMLElement): void {
    this.now = Date.now();
    this.hint.set(items.length ? '' : hintKey, () => (items.length ? null : hint()));
    this.cards.update(items);
  }

  protected abstract key(item: T): string;
  protected abstract sig(item: T): unknown;
  protected abstract card(item: T): HTMLElement;
}

/**
 * The Models tab: registered models, their versions and aliases, what serves them (URL, version,
 * requests, drift) and how their monitors judge the traffic; servers of other models below.
 */
export class ModelsView extends CardsView<IModelsReply, IRegisteredModel> {
  private readonly _notes = new Slot(h('div', { class: 'mlops-notes' }));
  private readonly _otherTitle = h(
    'div',
    {
      class: 'mlops-section-title',
      title: 'Model servers of this project whose model is not registered here'
    },
    'Served, not registered here'
  );
  private readonly _other = new KeyedList<IServed>(
    h('div', { class: 'mlops-served-other' }),
    s => servedKey(s),
    s => JSON.stringify(productionSig([s], [], 0)),
    s => h('div', { class: 'mlops-card' }, servedRow(s, true))
  );

  constructor(openRun: OpenRun) {
    super('models', 'Models', openRun);
    this.node.insertBefore(this._notes.node, this.cards.node);
    this._otherTitle.hidden = true;
    this.node.appendChild(this._otherTitle);
    this.node.appendChild(this._other.node);
  }

  protected fetch(): Promise<IModelsReply> {
    return requestAPI<IModelsReply>('models');
  }

  protected render(reply: IModelsReply): void {
    const notes = [reply.serving_error, reply.monitoring_error].filter((n): n is string => !!n);
    this._notes.set(JSON.stringify(notes), () =>
      notes.length
        ? h('div', null, ...notes.map(n => oneLine(n, 'mlops-note mlops-error mlops-small')))
        : null
    );
    const other = reply.served_other ?? [];
    this._otherTitle.hidden = other.length === 0;
    this._other.update(other);
    this.showCards(reply.models, 'none', () =>
      empty(
        'No registered models yet.',
        h(
          'p',
          null,
          'Register a fitted model from a notebook with ',
          code('%mlops register clf --name churn'),
          ' and point an alias at it with ',
          code('%mlops promote churn@v1 --to champion'),
          '.'
        )
      )
    );
  }

  protected key(model: IRegisteredModel): string {
    return model.name;
  }

  protected sig(model: IRegisteredModel): unknown {
    return [
      model,
      model.versions.map(v => relativeTime(v.created, this.now)),
      productionSig(model.served ?? [], model.monitors ?? [], this.now)
    ];
  }

  protected card(model: IRegisteredModel): HTMLElement {
    const aliases = Object.entries(model.aliases);
    const ul = h('ul', { class: 'mlops-list' });
    for (const v of model.versions) {
      const runId = v.run_id;
      ul.appendChild(
        h(
          'li',
          { class: 'mlops-row' },
          h('span', { class: `mlops-dot ${statusClass(v.status)}`, title: v.status }),
          h('span', { class: 'mlops-run-name' }, `v${v.version}`),
          ...v.aliases.map(a =>
            h('span', { class: 'mlops-chip mlops-alias', title: `@${a}` }, `@${a}`)
          ),
          h('span', { class: 'mlops-muted' }, relativeTime(v.created, this.now)),
          runId
            ? h(
                'span',
                {
                  class: 'mlops-muted mlops-right mlops-clickable',
                  title: `Open run ${runId}`,
                  onclick: () => this.openRun(runId)
                },
                `run ${runId.slice(0, 8)}`
              )
            : null
        )
      );
    }
    return h(
      'div',
      { class: 'mlops-card', 'data-model': model.name },
      h(
        'div',
        { class: 'mlops-card-title' },
        oneLine(model.name, 'mlops-card-name'),
        ...aliases.map(([alias, v]) =>
          h('span', { class: 'mlops-chip mlops-alias' }, `@${alias} \u2192 v${v}`)
        )
      ),
      model.description ? h('div', { class: 'mlops-muted mlops-prose' }, model.description) : null,
      servingBlock(model.served ?? []),
      monitoringBlock(model.monitors ?? [], this.now),
      ul
    );
  }
}

/** The Data tab: datasets and their versions (sizes written as the CLI writes them). */
export class DataView extends CardsView<IDatasetsReply, IDataset> {
  constructor(openRun: OpenRun) {
    super('data', 'Data', openRun);
  }

  protected fetch(): Promise<IDatasetsReply> {
    return requestAPI<IDatasetsReply>('datasets');
  }

  protected render(reply: IDatasetsReply): void {
    this.showCards(reply.datasets, 'none', () =>
      empty(
        'No datasets versioned yet.',
        h(
          'p',
          null,
          'Version a file, folder or DataFrame with ',
          code('%mlops data add PATH_OR_VARIABLE'),
          '.'
        )
      )
    );
  }

  protected key(ds: IDataset): string {
    return ds.name;
  }

  protected sig(ds: IDataset): unknown {
    return ds;
  }

  protected card(ds: IDataset): HTMLElement {
    const latest = ds.latest;
    const shape =
      latest.rows !== null
        ? `${latest.rows.toLocaleString()} rows \u00d7 ${latest.columns ?? '?'} cols`
        : latest.kind;
    const ul = h('ul', { class: 'mlops-list' });
    for (const v of ds.versions) {
      const producer = v.produced_by;
      ul.appendChild(
        h(
          'li',
          { class: 'mlops-row', 'data-version': String(v.version) },
          h('span', { class: 'mlops-run-name' }, `v${v.version}`),
          h('span', { class: 'mlops-muted mlops-hash', title: v.hash }, v.hash.slice(0, 10)),
          h('span', { class: 'mlops-muted mlops-size' }, formatBytes(v.size)),
          h('span', { class: 'mlops-muted mlops-right' }, v.created.replace('T', ' ').slice(0, 16)),
          v.message ? h('div', { class: 'mlops-subline mlops-prose' }, v.message) : null,
          producer
            ? h(
                'div',
                {
                  class: 'mlops-subline mlops-muted mlops-clickable',
                  title: `Open run ${producer}`,
                  onclick: () => this.openRun(producer)
                },
                `produced by run ${producer.slice(0, 8)}`
              )
            : null
        )
      );
    }
    return h(
      'details',
      { class: 'mlops-card', 'data-dataset': ds.name },
      h(
        'summary',
        { class: 'mlops-card-title' },
        oneLine(`${ds.name}@v${latest.version}`, 'mlops-card-name'),
        h(
          'span',
          { class: 'mlops-muted mlops-card-facts' },
          ...[shape, formatBytes(latest.size), `${ds.count} version${ds.count === 1 ? '' : 's'}`]
            .filter(Boolean)
            .map(t => h('span', { class: 'mlops-fact' }, t))
        )
      ),
      ul
    );
  }
}

/** The Pipelines tab: executions with their step states. */
export class PipelinesView extends CardsView<IPipelinesReply, IPipelineRun> {
  private _serverTime = 0;
  private _fetchedAt = 0;

  constructor(openRun: OpenRun) {
    super('pipelines', 'Pipelines', openRun);
  }

  protected async fetch(): Promise<IPipelinesReply> {
    const reply = await requestAPI<IPipelinesReply>('pipelines');
    this._fetchedAt = Date.now();
    this._serverTime = reply.server_time ?? this._fetchedAt;
    return reply;
  }

  protected render(reply: IPipelinesReply): void {
    this.showCards(reply.pipelines, 'none', () =>
      empty(
        'No pipeline runs yet.',
        h(
          'p',
          null,
          'Run a pipeline of notebooks with ',
          code('%mlops pipeline run pipeline.yaml'),
          ' (or ',
          code('mlops run pipeline.yaml'),
          ' in a terminal), or use "Run notebook with parameters\u2026" on a notebook.'
        )
      )
    );
  }

  protected key(p: IPipelineRun): string {
    return p.run_id;
  }

  protected sig(p: IPipelineRun): unknown {
    return [p, this._facts(p)];
  }

  private _facts(p: IPipelineRun): string {
    const elapsed = elapsedMs(
      p.start_time,
      p.end_time,
      this._serverTime,
      this._fetchedAt,
      this.now
    );
    const when = relativeTime(p.start_time, this._serverTime + (this.now - this._fetchedAt));
    return `${when} \u00b7 ${formatDuration(elapsed)}`;
  }

  protected card(p: IPipelineRun): HTMLElement {
    const steps = h('div', { class: 'mlops-steps' });
    for (const s of p.steps) {
      steps.appendChild(
        h(
          'span',
          {
            class: `mlops-step ${statusClass(s.state)}`,
            title: [s.name, s.state, s.reason, s.error].filter(Boolean).join('\n'),
            onclick: () => this.openRun(s.run_id)
          },
          `${s.name}: ${s.state}`
        )
      );
    }
    if (!p.steps.length) {
      steps.appendChild(h('span', { class: 'mlops-muted' }, 'every step reused from cache'));
    }
    return h(
      'div',
      { class: 'mlops-card', 'data-pipeline': p.pipeline },
      h(
        'div',
        {
          class: 'mlops-card-title mlops-clickable',
          title: `Open run ${p.run_id}`,
          onclick: () => this.openRun(p.run_id)
        },
        h('span', { class: `mlops-dot ${statusClass(p.status)}`, title: p.status }),
        oneLine(p.pipeline, 'mlops-card-name'),
        h('span', { class: 'mlops-muted mlops-card-facts' }, this._facts(p))
      ),
      steps
    );
  }
}

function empty(first: string, ...more: HTMLElement[]): HTMLElement {
  return h('div', { class: 'mlops-empty' }, h('p', null, first), ...more);
}
