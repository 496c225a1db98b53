import { strict as assert } from 'node:assert';
import { AgentFailure } from '../../protocol';
import type { ProjectConfig } from '../project/types';
import { Guards, enforceGuard } from './guard';

const project = (envs: ProjectConfig['environments']): ProjectConfig => ({
  file: '/w/slipway.yaml',
  root: '/w',
  environments: envs,
  services: {},
  migrations: {},
});

function code(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof AgentFailure ? e.error.code : 'other';
  }
}

describe('Guards', () => {
  const g = new Guards();
  g.remember(
    project({
      prod: { name: 'prod', context: 'eks-prod', namespace: 'shop', protected: true, readOnly: false },
      audit: { name: 'audit', context: 'eks-prod', namespace: 'audit', protected: false, readOnly: true },
    }),
  );

  it('protects a declared environment and asks for the exact context name', () => {
    const info = g.info('eks-prod', 'shop', false);
    assert.deepEqual(
      { p: info.protected, r: info.readOnly, env: info.environment },
      { p: true, r: false, env: 'prod' },
    );
    assert.equal(
      code(() => enforceGuard(info, undefined, 'deploy')),
      'CONFIRMATION_REQUIRED',
    );
    assert.equal(
      code(() => enforceGuard(info, 'eks-prd', 'deploy')),
      'CONFIRMATION_REQUIRED',
    );
    assert.equal(
      code(() => enforceGuard(info, 'eks-prod', 'deploy')),
      undefined,
    );
  });

  it('refuses every write to a readOnly environment, confirmation or not', () => {
    const info = g.info('eks-prod', 'audit', true);
    assert.equal(info.readOnly, true);
    assert.equal(
      code(() => enforceGuard(info, 'eks-prod', 'deploy')),
      'READ_ONLY',
    );
  });

  it('protects production-marked contexts even without slipway.yaml, and leaves others alone', () => {
    assert.equal(g.info('gke-production', 'x', true).protected, true);
    const free = g.info('kind-dev', 'default', false);
    assert.equal(free.protected || free.readOnly, false);
    assert.equal(
      code(() => enforceGuard(free, undefined, 'deploy')),
      undefined,
    );
  });
});
