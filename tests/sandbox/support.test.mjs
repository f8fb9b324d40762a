// The test support that every suite relies on: Node's fetch reaches *.localhost names
// (tests/support/net.mjs) and the sandbox's labelled start-up lines are read by label.
import '../support/net.mjs';
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import dns from 'node:dns';
import { isLocalhostName, lookup } from '../support/net.mjs';
import { parseOrigins } from '../support/sandbox.mjs';

test('fetch reaches a *.localhost name on 127.0.0.1 and keeps the name in Host', async () => {
  const server = http.createServer((request, response) => response.end(request.headers.host));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  try {
    for (const name of ['walletpush.bank.localhost', 'wallet.localhost', 'localhost']) {
      assert.equal(await (await fetch(`http://${name}:${port}/`)).text(), `${name}:${port}`);
    }
  } finally {
    server.close();
  }
});

test('only localhost and names under it are mapped', async () => {
  for (const name of ['localhost', 'a.localhost', 'A.B.LOCALHOST', 'x.localhost.']) assert.ok(isLocalhostName(name), name);
  for (const name of ['localhost.example', 'xlocalhost', 'example.com', '']) assert.ok(!isLocalhostName(name), name);
  const one = await new Promise((resolve, reject) => lookup('wallet.localhost', {}, (e, address, family) => (e ? reject(e) : resolve([address, family]))));
  assert.deepEqual(one, ['127.0.0.1', 4]);
  const all = await new Promise((resolve, reject) => lookup('wallet.localhost', { all: true }, (e, list) => (e ? reject(e) : resolve(list))));
  assert.deepEqual(all, [{ address: '127.0.0.1', family: 4 }]);
  // dns.promises.lookup, which Playwright's requests from Node use, answers the same.
  assert.deepEqual(await dns.promises.lookup('wallets.bank.localhost', { all: true, family: 4 }), [{ address: '127.0.0.1', family: 4 }]);
  assert.deepEqual(await dns.promises.lookup('wallets.bank.localhost', { all: true, family: 6 }), []);
  assert.deepEqual(await dns.promises.lookup('bank.localhost'), { address: '127.0.0.1', family: 4 });
});

test('the start-up lines are read by their labels, in any order', () => {
  const lines = 'wallet http://wallet.localhost:1\nhost http://bank.localhost:2\nnoise\nadapters http://wallets.bank.localhost:4\nwidget http://walletpush.bank.localhost:3\nready\n';
  assert.deepEqual(parseOrigins(lines), {
    host: 'http://bank.localhost:2', widget: 'http://walletpush.bank.localhost:3',
    wallet: 'http://wallet.localhost:1', adapters: 'http://wallets.bank.localhost:4',
  });
  assert.throws(() => parseOrigins('host http://bank.localhost:2\nready\n'), /no "widget" line/);
  assert.throws(() => parseOrigins('http://127.0.0.1:1\nhttp://127.0.0.1:2\nhttp://127.0.0.1:3\nready\n'), /no "host" line/);
});
