// Headless Chromium for the page-level tests: Debian's /usr/bin/chromium
// driven by playwright-core, with the flags of webdriver.json and a fresh
// temporary profile per context. Shared by tests/demo and tests/packaging.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(repoRoot, 'bench-results', 'screenshots');

/** Chromium flags from webdriver.json, minus --headless (playwright sets it). */
export function chromiumArgs() {
  const wd = JSON.parse(fs.readFileSync(path.join(repoRoot, 'webdriver.json'), 'utf8'));
  return wd['goog:chromeOptions'].args.filter((a) => !a.startsWith('--headless'));
}

/**
 * A persistent context on a fresh temporary profile (so IndexedDB and
 * localStorage start empty and survive reloads within the context).
 * `close()` closes the browser and deletes the profile.
 */
export async function launchProfile({ viewport = { width: 1440, height: 900 }, acceptDownloads = true } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conifer-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(),
    viewport,
    acceptDownloads,
  });
  const errors = [];
  const watch = (page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    dir,
    /** Uncaught page errors and console.error lines seen so far. */
    errors,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser whose every `newContext()` starts with empty storage (incognito-like). */
export async function launchBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs() });
}

export async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}
