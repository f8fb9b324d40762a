// The sandbox's origins in production shape (docs/wire.md, "Origins"): the default names, a
// further host origin (--host-origin) that must be same-site with the widget, and a widget name
// off the host's site refused at start-up.
import '../support/net.mjs';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import { startSandbox } from '../support/sandbox.mjs';
import { scratch } from './support.mjs';

test('default names: host and widget share bank.localhost, the wallet is another site', async () => {
  const dirs = scratch();
  const sandbox = await startSandbox({ dataDir: dirs.data, wwwDir: dirs.www, extraArgs: ['--host-origin', 'http://dev.bank.localhost:3000'] });
  try {
    const { host, widget, wallet } = sandbox.origins;
    assert.match(host, /^http:\/\/bank\.localhost:\d+$/);
    assert.match(widget, /^http:\/\/walletpush\.bank\.localhost:\d+$/);
    assert.match(wallet, /^http:\/\/wallet\.localhost:\d+$/);
    // The further host origin may frame the widget and be returned to by the wallet.
    const frame = (await fetch(`${widget}/frame.html`)).headers.get('content-security-policy');
    assert.match(frame, new RegExp(`frame-ancestors ${host} http://dev\\.bank\\.localhost:3000;`));
    const entry = await fetch(`${wallet}/entry?client_origin=${encodeURIComponent(widget)}`);
    assert.match(entry.headers.get('content-security-policy'), new RegExp(`form-action 'self' ${host} http://dev\\.bank\\.localhost:3000;`));
    const portal = (await fetch(`${host}/gift`)).headers.get('content-security-policy');
    assert.match(portal, /frame-ancestors 'none'/);
  } finally {
    await sandbox.stop();
    rmSync(dirs.dir, { recursive: true, force: true });
  }
});

test('a host origin or widget name off the host site is refused at start-up', async () => {
  const dirs = scratch();
  try {
    for (const extraArgs of [
      ['--host-origin', 'http://localhost:3000'],
      ['--host-origin', 'http://other.localhost:3000'],
      ['--widget-name', 'walletpush.other.localhost'],
    ]) {
      await assert.rejects(
        startSandbox({ dataDir: dirs.data, wwwDir: dirs.www, extraArgs }),
        /same-site|subdomain/,
        extraArgs.join(' '),
      );
    }
  } finally {
    rmSync(dirs.dir, { recursive: true, force: true });
  }
});
