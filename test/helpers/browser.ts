/**
 * Headless Chromium for the web console's end-to-end tests: Debian's `chromium` package driven by
 * playwright-core (no browser download). A missing Chromium is a failure, never a skip: CI installs
 * it (.ci/run), and a developer is told how.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.WARDEN_CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Flags this closed network needs: without the background-networking ones Chromium's own
 * connections (updates, sync, safe browsing) are refused, many at a time.
 */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: the web console tests need it. Install it with: apt-get install chromium`);
  }
  // playwright gives every launch a fresh, empty profile directory of its own.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 60_000 });
}

/** A fresh context (own sessionStorage) whose console errors and CSP violations are collected. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, permissions: [] });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource: the server responded with a status of (400|403|404)/.test(m.text())) problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  return { context, page, problems };
}

/**
 * README screenshots: written to docs/img/ only when WARDEN_UPDATE_SCREENSHOTS=1, so an ordinary
 * test run never changes the tree.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.WARDEN_UPDATE_SCREENSHOTS !== "1") return;
  const dir = join(new URL("../../..", import.meta.url).pathname, "docs", "img");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
