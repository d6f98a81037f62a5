import { chromium, type Browser, type FrameLocator, type Page } from '@playwright/test';
import { CHROMIUM_PATH } from '../playwright.config.js';
import type { SimPortal } from '../simulator/index.js';
import { firstAdmin } from '../test/support/directory.js';

/** Runs `work` in headless Debian Chromium (the end-to-end tests' browser) and closes it afterwards. */
export async function inChromium<T>(work: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    return await work(browser);
  } finally {
    await browser.close();
  }
}

/** The simulated portal page as its first admin. */
export function portalPageUrl(portal: SimPortal): string {
  return portal.shellUrl({ userId: firstAdmin(portal).id });
}

/** Installs the app from the portal page's Market card, as an admin does; the app opens in the returned frame. */
export async function installFromPortalPage(page: Page, portal: SimPortal): Promise<FrameLocator> {
  await page.goto(portalPageUrl(portal));
  await page.getByTestId('portal-menu-market').click();
  await page.getByTestId('portal-install').click();
  return page.frameLocator('iframe[data-testid="portal-app-frame"]');
}
