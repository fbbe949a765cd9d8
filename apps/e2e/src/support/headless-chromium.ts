import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** Debian's `chromium` package (`apt-get install -y chromium`; `.ci/run` installs it). */
export const CHROMIUM = ['/usr/bin/chromium'].find((path) => existsSync(path));

/**
 * Chromium flags: headless, no sandbox (root in CI containers), and nothing that would reach the
 * network by itself (QUIC, background fetches, component updates, sync, first-run pages).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OfflinePageVisit<T> {
  readonly result: T;
  /** Every URL the page asked for besides the file itself (each was refused). */
  readonly refused: readonly string[];
}

/**
 * Opens a local HTML file in headless Chromium with a fresh profile, refusing every request but
 * the file itself and recording each one refused, then runs `inspect` on the page.
 */
export async function visitOffline<T>(file: string, inspect: (page: Page) => Promise<T>): Promise<OfflinePageVisit<T>> {
  if (CHROMIUM === undefined) throw new Error("chromium is not installed: apt-get install -y chromium (.ci/run does)");
  const profile = mkdtempSync(join(tmpdir(), 'revmesh-chromium-'));
  const url = pathToFileURL(file).href;
  const refused: string[] = [];
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, offline: true });
  try {
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : (refused.push(route.request().url()), route.abort('blockedbyclient'))));
    const page = await context.newPage();
    page.on('request', (request) => {
      if (request.url() !== url && !refused.includes(request.url())) refused.push(request.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { result: await inspect(page), refused };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
