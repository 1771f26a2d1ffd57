import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cluster } from '../../src/cloud-manager/schemas/cluster';
import { keepAliveUntil } from '../../src/web/cluster-forms';
import { filterClusters, type ClusterRow, type ClustersView } from '../../src/web/operations-source';
import { renderClustersTable, stepLine, type OperationsViewer } from '../../src/web/operations-views';
import { WebProblem } from '../../src/web/http-io';

function row(name: string, overrides: Partial<ClusterRow> = {}): ClusterRow {
  return {
    environment: 'default',
    cluster: { metadata: { uid: `uid-${name}`, name }, spec: {} } as unknown as Cluster,
    id: `uid-${name}`,
    name,
    state: 'RUNNING',
    resourceVersion: 3,
    nodes: 'master 1×m5.large, tier1 2×i3.xlarge',
    tags: { team: 'data' },
    monthlyCost: 1234.5,
    slots: [],
    ...overrides,
  };
}

const VIEW = (rows: ClusterRow[]): ClustersView => ({ rows, problems: [], previews: [], currency: 'USD' });
const OPERATOR: OperationsViewer = {
  user: 'alice',
  csrfToken: 'token-1',
  mayOperate: true,
  timeZone: 'Europe/Berlin',
  now: new Date('2026-12-07T12:00:00Z'),
};

describe('operations clusters view', () => {
  it('gives an operator stop and keep-alive forms carrying the CSRF token', () => {
    const text = renderClustersTable([row('web')], VIEW([row('web')]), OPERATOR).text;
    assert.match(text, /action="\/clusters\/default\/uid-web\/power"/);
    assert.match(text, /name="action" value="stop"/);
    assert.match(text, /action="\/clusters\/default\/uid-web\/keep-alive"/);
    assert.equal(text.match(/name="csrf" value="token-1"/g)?.length, 2);
    assert.match(text, /\$1,234\.50|1,234\.50|1234\.5/);
  });

  it('shows a viewer the same rows without a single button', () => {
    const text = renderClustersTable([row('web')], VIEW([row('web')]), {
      ...OPERATOR,
      mayOperate: false,
    }).text;
    assert.doesNotMatch(text, /<button|<form|csrf/);
    assert.match(text, /RUNNING/);
  });

  it('escapes what the API says: a cluster name cannot become markup', () => {
    const evil = row('<img src=x>', { tags: { '"k': '<b>' } });
    const text = renderClustersTable([evil], VIEW([evil]), OPERATOR).text;
    assert.doesNotMatch(text, /<img|<b>/);
  });

  it('filters by environment, tag and state', () => {
    const rows = [
      row('a'),
      row('b', { state: 'STOPPED' }),
      row('c', { environment: 'eu', tags: { team: 'web' } }),
    ];
    assert.deepEqual(
      filterClusters(rows, { state: 'stopped' }).map((entry) => entry.name),
      ['b'],
    );
    assert.deepEqual(
      filterClusters(rows, { environment: 'eu' }).map((entry) => entry.name),
      ['c'],
    );
    assert.deepEqual(
      filterClusters(rows, { tag: 'team=data' }).map((entry) => entry.name),
      ['a', 'b'],
    );
  });

  it('ends the keep-alive presets 2 h, 4 h and tomorrow 09:00 in the viewer’s zone', () => {
    const now = new Date('2026-12-07T20:30:00Z');
    assert.equal(keepAliveUntil('2h', now, 'UTC').toISOString(), '2026-12-07T22:30:00.000Z');
    assert.equal(keepAliveUntil('4h', now, 'UTC').toISOString(), '2026-12-08T00:30:00.000Z');
    // 21:30 in Berlin (UTC+1 in winter): tomorrow 09:00 Berlin is 08:00 UTC.
    assert.equal(
      keepAliveUntil('tomorrow-09', now, 'Europe/Berlin').toISOString(),
      '2026-12-08T08:00:00.000Z',
    );
    assert.throws(() => keepAliveUntil('forever', now, 'UTC'), WebProblem);
  });

  it('words a step as the CLI does', () => {
    const line = stepLine(
      {
        name: 'stop',
        title: 'Stop the cluster',
        status: 'completed',
        detail: 'STOPPED',
        startedAt: '2026-12-07T12:00:00Z',
        endedAt: '2026-12-07T12:00:02Z',
      },
      1,
      3,
    );
    assert.match(line, /^\[2\/3\] ✔ Stop the cluster: STOPPED \(2(\.0)?\s?s\)$/);
  });
});
