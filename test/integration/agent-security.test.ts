import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { type RunningAgent, startAgent } from '../../agent/main';
import { PROTOCOL_VERSION } from '../../protocol';

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (e) => {
      if (!/Unexpected server response/.test(e.message)) reject(e);
    });
  });
}

function listeningAddresses(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3] ?? '')
    .filter((a) => a.endsWith(`:${port}`));
}

describe('agent WebSocket security', function () {
  this.timeout(60_000);
  let agent: RunningAgent;
  let url: string;

  before(async () => {
    agent = await startAgent({
      writeDiscoveryFile: false,
      env: { ...process.env, KUBECONFIG: '/nonexistent' },
      log: () => undefined,
    });
    url = `ws://127.0.0.1:${agent.port}/`;
  });
  after(() => agent.stop());

  it('refuses an upgrade without a token, with a wrong token, and from a browser origin', async () => {
    assert.equal(await upgradeStatus(url, {}), 401);
    assert.equal(await upgradeStatus(url, { Authorization: 'Bearer ' + 'f'.repeat(64) }), 401);
    assert.equal(
      await upgradeStatus(url, { Authorization: `Bearer ${agent.token}`, Origin: 'https://evil.example' }),
      403,
    );
    assert.equal(await upgradeStatus(url, { Authorization: `Bearer ${agent.token}` }), 101);
  });

  it('uses a 256-bit token and listens on the loopback address only', () => {
    assert.match(agent.token, /^[0-9a-f]{64}$/);
    const addrs = listeningAddresses(agent.port);
    assert.deepEqual(addrs, [`127.0.0.1:${agent.port}`]);
  });

  it('answers 10,000 malformed frames each with a typed error and stays up', async () => {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${agent.token}` } });
    await new Promise((r) => ws.once('open', r));
    const replies: { t: string; error?: { code: string } }[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d)) as { t: string; error?: { code: string } }));
    ws.send(JSON.stringify({ t: 'hello', protocol: PROTOCOL_VERSION, client: 'fuzz' }));
    const garbage = [
      '{',
      'null',
      '42',
      '[]',
      '{"t":"req"}',
      '{"t":"req","id":1,"method":"nope"}',
      '{"t":"sub","id":2,"topic":"services","params":{}}',
      '{"t":"req","id":"x","method":"agent.info"}',
      '\u0000\u0001',
      '{"t":"cancel"}',
    ];
    for (let i = 0; i < 10_000; i++) ws.send(garbage[i % garbage.length]!);
    ws.send(JSON.stringify({ t: 'req', id: 99_999, method: 'agent.info', params: {} }));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${replies.length} replies`)), 30_000);
      const check = setInterval(() => {
        if (replies.some((r) => r.t === 'res' && (r as { id?: number }).id === 99_999)) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 20);
    });
    const errors = replies.filter(
      (r) => r.t === 'err' || (r.t === 'res' && r.error !== undefined) || r.t === 'subEnd',
    );
    assert.equal(errors.length, 10_000, 'every malformed frame got exactly one typed error');
    assert.ok(errors.every((r) => typeof r.error?.code === 'string' && r.error.code.length > 0));
    ws.close();
  });
});
