import { strict as assert } from 'node:assert';
import { helmRevisionItems, revisionItems } from './revision-items';

describe('rollback revision picker', () => {
  it('lists older revisions newest first with image, age, change-cause, author and commit', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    const items = revisionItems(
      [
        {
          revision: 1,
          images: ['api:1'],
          createdAt: '2026-11-20T12:00:00Z',
          current: false,
          changeCause: 'initial',
        },
        {
          revision: 2,
          images: ['api:2'],
          createdAt: '2026-11-22T10:00:00Z',
          current: false,
          changeCause: 'slipway deploy env=staging',
          deployedBy: 'ana',
          gitSha: 'abcdef0123456789',
        },
        { revision: 3, images: ['api:3'], createdAt: '2026-11-22T11:00:00Z', current: true },
      ],
      now,
    );
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.detail]),
      [
        ['Revision 2', 'api:2', '2h ago · slipway deploy env=staging · by ana · git abcdef0'],
        ['Revision 1', 'api:1', '2d ago · initial'],
      ],
    );
  });

  it('lists Helm revisions to roll back to, newest first, without the deployed one', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    const rev = (revision: number, status: string, description: string, updatedAt: string) => ({
      release: 'redis',
      namespace: 'data',
      revision,
      status,
      chart: 'redis',
      chartVersion: `18.${revision}.0`,
      appVersion: '7.2',
      updatedAt,
      description,
    });
    const items = helmRevisionItems(
      [
        rev(1, 'superseded', 'Install complete', '2026-11-19T12:00:00Z'),
        rev(2, 'failed', '', '2026-11-20T12:00:00Z'),
        rev(3, 'deployed', 'Upgrade complete', '2026-11-21T12:00:00Z'),
      ],
      now,
    );
    assert.deepEqual(
      items.map((i) => [i.label, i.description, i.detail, i.revision]),
      [
        ['Revision 2', 'redis-18.2.0 · app 7.2', '2d ago · failed', 2],
        ['Revision 1', 'redis-18.1.0 · app 7.2', '3d ago · superseded · Install complete', 1],
      ],
    );
  });
});
