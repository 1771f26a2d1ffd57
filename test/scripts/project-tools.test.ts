import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkCompose } from '../../scripts/install-compose.js';
import { fallbackPlan } from '../../scripts/install-chromium.js';
import { PROJECT_DIR, resolveChromium } from '../../scripts/tools/chromium.js';
import { launchChromium } from '../../scripts/lib/browser';

/** What `npm install` provides for the tests besides node_modules: a Chromium and docker-compose. */

const scratch = mkdtempSync(path.join(os.tmpdir(), 'imply-runbooks-tools-'));
const fakeBinary = path.join(scratch, 'fake-chromium');
writeFileSync(fakeBinary, '#!/bin/sh\nexit 1\n');
chmodSync(fakeBinary, 0o755);
const nowhere = path.join(scratch, 'nothing-here');

describe('the browser tests’ Chromium (scripts/tools/chromium.js)', () => {
  it('takes CHROMIUM_PATH first, then a system Chromium, then the project’s own', () => {
    const options = { systemCandidates: [nowhere, fakeBinary], projectDir: PROJECT_DIR };
    const named = resolveChromium({ CHROMIUM_PATH: fakeBinary }, { ...options, systemCandidates: [] });
    assert.deepEqual(named, { executablePath: fakeBinary, env: {}, source: 'CHROMIUM_PATH' });
    assert.equal(resolveChromium({}, options).source, 'system');
    const project = resolveChromium({}, { ...options, systemCandidates: [nowhere] });
    assert.equal(project.source, 'project');
    assert.equal(project.executablePath, path.join(PROJECT_DIR, 'chromium'));
    assert.match(project.env.LD_LIBRARY_PATH ?? '', new RegExp(`^${path.join(PROJECT_DIR, 'lib')}`));
  });

  it('refuses a CHROMIUM_PATH that is not an executable file, naming it', () => {
    assert.throws(
      () => resolveChromium({ CHROMIUM_PATH: nowhere }, { systemCandidates: [] }),
      new RegExp(`CHROMIUM_PATH=${nowhere} is not an executable file`),
    );
  });

  it('fails naming the command that installs one when there is none', () => {
    assert.throws(
      () => resolveChromium({}, { systemCandidates: [nowhere], projectDir: nowhere }),
      /no Chromium for the browser tests .*run `node scripts\/install-chromium\.js`.*CHROMIUM_PATH/,
    );
  });

  it('says which binary did not start, and the fix', async () => {
    await assert.rejects(
      launchChromium({ executablePath: fakeBinary, env: {}, source: 'CHROMIUM_PATH' }),
      new RegExp(
        `Chromium ${fakeBinary} \\(CHROMIUM_PATH\\) did not start: .*node scripts/install-chromium\\.js`,
      ),
    );
  });

  it('installs Debian’s chromium only as root on Debian with no system Chromium, else says how', () => {
    const none = { systemPath: undefined, isRoot: true, isDebian: true };
    assert.equal(fallbackPlan(none), 'apt');
    assert.equal(fallbackPlan({ ...none, systemPath: '/usr/bin/chromium' }), 'system');
    assert.equal(fallbackPlan({ ...none, isRoot: false }), 'explain');
    assert.equal(fallbackPlan({ ...none, isDebian: false }), 'explain');
  });

  it('launches the project’s own Chromium headless, with no system one, and drives a page', async () => {
    const browser = await launchChromium(resolveChromium({}, { systemCandidates: [] }));
    try {
      const page = await browser.newPage();
      await page.setContent(
        '<h1>Approvals</h1><button onclick="this.textContent = \'approved\'">Approve</button>',
      );
      await page.getByRole('button', { name: 'Approve' }).click();
      assert.equal(await page.textContent('button'), 'approved');
      assert.match(browser.version(), /^\d+\./);
    } finally {
      await browser.close();
    }
  });
});

describe('the compose checks’ docker-compose (scripts/install-compose.js)', () => {
  it('runs the pinned docker-compose from .tools/compose', () => {
    assert.equal(checkCompose(), undefined);
  });

  it('reports a folder without it, so the compose tests can name the install command', () => {
    assert.match(checkCompose(nowhere) ?? '', /does not run docker-compose 1\.29\.2/);
  });
});

after(() => rmSync(scratch, { recursive: true, force: true }));
