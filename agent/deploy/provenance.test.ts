import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANNOTATIONS, gitSha, provenanceAnnotations } from './provenance';

describe('provenance', () => {
  const sha = 'a'.repeat(40);

  it('reads the checked-out commit from .git without a git binary (loose and packed refs, subfolders)', () => {
    const repo = mkdtempSync(join(tmpdir(), 'slipway-git-'));
    mkdirSync(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(repo, '.git', 'refs', 'heads', 'main'), `${sha}\n`);
    mkdirSync(join(repo, 'k8s', 'overlays'), { recursive: true });
    assert.equal(gitSha(join(repo, 'k8s', 'overlays')), sha);

    const packed = mkdtempSync(join(tmpdir(), 'slipway-git-'));
    mkdirSync(join(packed, '.git'));
    writeFileSync(join(packed, '.git', 'HEAD'), 'ref: refs/heads/release\n');
    writeFileSync(
      join(packed, '.git', 'packed-refs'),
      `# pack-refs with: peeled\n${'b'.repeat(40)} refs/heads/release\n`,
    );
    assert.equal(gitSha(packed), 'b'.repeat(40));
    assert.equal(gitSha(mkdtempSync(join(tmpdir(), 'slipway-nogit-'))), undefined);
  });

  it('stamps change-cause, user, plan, time and commit on the workload', () => {
    const a = provenanceAnnotations(
      { user: 'ana', plan: 'deploy env=staging', changeCause: 'slipway deploy env=staging', gitSha: sha },
      new Date('2026-11-22T10:00:00Z'),
    );
    assert.deepEqual(a, {
      [ANNOTATIONS.changeCause]: 'slipway deploy env=staging',
      [ANNOTATIONS.deployedBy]: 'ana',
      [ANNOTATIONS.plan]: 'deploy env=staging',
      [ANNOTATIONS.deployedAt]: '2026-11-22T10:00:00.000Z',
      [ANNOTATIONS.gitSha]: sha,
    });
  });
});
