// A dialect written only against the plugin contract and its host, added with one entry to the dialect
// list: a toy line protocol over TCP (first line a token, then one line per event of the user's feed),
// with its own config section, and the control plane's revocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Type } from '@sinclair/typebox';
import { loadConfig } from '../../src/config.js';
import { DIALECTS, startHerald } from '../../src/herald.js';
import { dialectPlugin } from '../../src/dialects/plugin.js';
import type { Renderer } from '../../src/dialects/render.js';
import { Payload } from '../../src/gateway/connection.js';
import { API_KEY, api, newUser } from '../helpers/server.js';

const revocations: string[] = [];

const lines: Renderer = { name: 'lines', privateFields: false, render: (e) => `${e.id} ${e.type}` };

const probe = dialectPlugin({
  name: 'probe',
  config: Type.Object({ greeting: Type.String({ default: 'hello', env: 'HERALD_PROBE_GREETING' }) }),
  start(host, config) {
    host.control.onRevoke((userId, spaceId) => revocations.push(`${userId}:${spaceId}`));
    return {
      tcp: [
        {
          name: 'probe',
          port: 0,
          host: '127.0.0.1',
          accept: (conn) => {
            let buffered = '';
            let started = false;
            conn.onFrame(async (chunk) => {
              if (started) return;
              buffered += chunk.toString();
              const i = buffered.indexOf('\n');
              if (i < 0) return;
              started = true;
              const token = buffered.slice(0, i);
              try {
                const { actor } = await host.authenticate({ token });
                const { cursor } = await host.feeds.open({ userId: actor.userId!, renderer: lines, resume: null, epoch: null });
                conn.send(new Payload(config.greeting), { suffix: Buffer.from('\n') });
                cursor.attach({ deliver: (_e, p) => p === null || conn.send(p, { suffix: Buffer.from('\n') }), backlogged: () => conn.backlogged(), drained: () => conn.drained() });
                conn.onClose(() => cursor.close());
                await cursor.replay();
              } catch {
                conn.close(0, 'bad token');
              }
            });
          },
        },
      ],
    };
  },
});

test('a plugin added to the dialect list gets its config section, a TCP listener, feeds and control orders', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-plugin-'));
  const config = loadConfig({ HERALD_PROBE_GREETING: 'welcome' }, { dataDir: dir, port: 0, host: '127.0.0.1', apiKey: API_KEY, jwtSecret: 'test-secret-0123456789abcdef' });
  const srv = await startHerald(config, pino({ level: 'silent' }), [...DIALECTS, probe]);
  try {
    const [a, b] = [await newUser(srv.url), await newUser(srv.url)];
    const port = srv.tcpPort('probe')!;
    assert.ok(port > 0);
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.write(`${b.token}\n`);
    const waitFor = async (s: string) => {
      for (let i = 0; i < 300 && !text.includes(s); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(text.includes(s), `expected ${s} in ${JSON.stringify(text)}`);
    };
    await waitFor('welcome\n');
    const sid = (await api<{ space: { id: number } }>(srv.url, 'POST', '/api/v1/spaces', a.token, { name: 'tcp', member_ids: [b.id] })).body.space.id;
    await waitFor('space.created\n');
    await api(srv.url, 'DELETE', `/api/v1/spaces/${sid}/members/${b.id}`, a.token);
    await waitFor('member.removed\n');
    assert.deepEqual(revocations, [`${b.id}:${sid}`], 'the removal reached the plugin as a revocation');
    socket.destroy();
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
