import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { howToFix, resolveChromium, type ResolvedChromium } from '../tools/chromium.js';

/**
 * The one way tests and the screenshot scripts get a headless Chromium: CHROMIUM_PATH, else the
 * system's, else the project's.
 */

/**
 * Flags for a closed network: nothing phones home. Playwright gives every launch a fresh
 * --user-data-dir of its own (a temporary profile it deletes on close) and refuses one in `args`.
 */
const SYSTEM_FONTS = '/etc/fonts/fonts.conf';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches the resolved Chromium headless; a failure names the binary, where it came from and the fix. */
export async function launchChromium(
  resolved: ResolvedChromium = resolveChromium(),
  options: { systemFonts?: boolean } = {},
): Promise<Browser> {
  // Pictures for people: the system's fonts when it has them (arrows and symbols the project build's fonts lack).
  const fonts = options.systemFonts && existsSync(SYSTEM_FONTS) ? { FONTCONFIG_PATH: '/etc/fonts' } : {};
  try {
    return await chromium.launch({
      executablePath: resolved.executablePath,
      args: CHROMIUM_ARGS,
      env: { ...process.env, ...resolved.env, ...fonts },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(
      `Chromium ${resolved.executablePath} (${resolved.source}) did not start: ${message}; ${howToFix()}`,
    );
  }
}
