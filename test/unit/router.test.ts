import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../src/traffic/deployment.ts';
import type { DeploymentService } from '../../src/traffic/deployment-service.ts';
import { DeploymentRouter } from '../../src/traffic/router.ts';
import type { ModelStore } from '../../src/registry/model-store.ts';

function router(deployment: Partial<Deployment>, random = () => 0.5) {
  const full: Deployment = {
    model: 'm',
    primary: '1',
    canary: null,
    shadows: [],
    sample_rate: 0.01,
    revision: 1,
    updated_at: '',
    updated_by: '',
    ...deployment,
  };
  const deployments = { current: async () => full } as unknown as DeploymentService;
  return new DeploymentRouter(deployments, {} as ModelStore, random);
}

describe('DeploymentRouter', () => {
  it('logs primary traffic at the deployment sample rate without a canary', async () => {
    expect((await router({}).route('m', 'key')).sampleRate).toBe(0.01);
  });

  it(
    'logs primary traffic at least at the canary share while a canary runs, ' + 'so the canary check has primary samples to compare',
    async () => {
      const decision = await router({ canary: { version: '2', percent: 20 } }, () => 0.99).route('m', undefined);
      expect(decision).toMatchObject({ role: 'primary', version: '1', sampleRate: 0.2 });
    },
  );

  it('draws each shadow with its sample rate and always includes a shadow at rate 1', async () => {
    const shadows = [
      { version: '2', sample_rate: 1 },
      { version: '3', sample_rate: 0.1 },
    ];
    expect((await router({ shadows }, () => 0.05).route('m', 'k')).shadows.map((s) => s.version)).toEqual(['2', '3']);
    expect((await router({ shadows }, () => 0.5).route('m', 'k')).shadows.map((s) => s.version)).toEqual(['2']);
  });
});
