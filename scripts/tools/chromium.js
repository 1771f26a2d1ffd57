'use strict';
/**
 * Which Chromium the browser tests drive, in this order:
 *   1. CHROMIUM_PATH, when set (it must name an executable file);
 *   2. a system Chromium (/usr/bin/chromium and its usual other names);
 *   3. the project's own: the headless Chromium that the npm package @sparticuz/chromium ships inside
 *      its tarball (x86-64, brings its NSS libraries and fonts; needs only libc), which
 *      scripts/install-chromium.js unpacks into .tools/chromium when `npm install` runs.
 * Plain Node: scripts/install-chromium.js uses it at install time, scripts/lib/browser.ts for tests and screenshots.
 */
const fs = require('node:fs');
const path = require('node:path');

const PROJECT_DIR = path.resolve(__dirname, '..', '..', '.tools', 'chromium');
const INSTALL_COMMAND = 'node scripts/install-chromium.js';
const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

function isExecutableFile(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The project's Chromium in `dir`: its binary and the environment that finds its libraries and fonts. */
function projectChromium(dir = PROJECT_DIR) {
  return {
    executablePath: path.join(dir, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [path.join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: dir,
    },
  };
}

function howToFix() {
  return [
    `run \`${INSTALL_COMMAND}\` (npm install runs it; as root on Debian it falls back to apt-get install chromium)`,
    'or set CHROMIUM_PATH to a Chromium or Chrome binary',
  ].join(', ');
}

/**
 * Picks the Chromium to launch from `env` (CHROMIUM_PATH), the system candidates and the project's
 * folder. Returns { executablePath, env (extra variables for it), source }; throws naming the fix
 * when there is none. Reads only.
 */
function resolveChromium(env = process.env, options = {}) {
  const candidates = options.systemCandidates ?? SYSTEM_CHROMIUMS;
  const dir = options.projectDir ?? PROJECT_DIR;
  if (env.CHROMIUM_PATH) {
    if (!isExecutableFile(env.CHROMIUM_PATH)) {
      throw new Error(
        `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file: point it at a Chromium binary, or unset it to use ${candidates[0]} or the project's own`,
      );
    }
    return { executablePath: env.CHROMIUM_PATH, env: {}, source: 'CHROMIUM_PATH' };
  }
  const system = candidates.find(isExecutableFile);
  if (system) return { executablePath: system, env: {}, source: 'system' };
  const project = projectChromium(dir);
  if (isExecutableFile(project.executablePath)) return { ...project, source: 'project' };
  throw new Error(
    `no Chromium for the browser tests (no CHROMIUM_PATH, no ${candidates[0]}, nothing in ${dir}): ${howToFix()}`,
  );
}

module.exports = {
  INSTALL_COMMAND,
  PROJECT_DIR,
  SYSTEM_CHROMIUMS,
  howToFix,
  isExecutableFile,
  projectChromium,
  resolveChromium,
};
