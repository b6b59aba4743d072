/**
 * One headless Chromium for every test or benchmark that opens a page.
 *
 * A system Chromium (Debian's /usr/bin/chromium) is used when the machine has
 * one; otherwise the binary that @sparticuz/chromium ships inside its npm
 * package is extracted (about 2 s, into the OS temp folder) and launched. So
 * `npm install && npm test` needs nothing but npm. Set
 * ISTHMUS_BROWSER=bundled to force the packaged binary even where a system
 * one exists (that is how the bundled path is checked on a machine with
 * Chromium installed), or ISTHMUS_BROWSER=/path/to/chrome to use another.
 */
import { existsSync } from 'node:fs'
import bundledChromium from '@sparticuz/chromium'
import { type Browser, chromium } from 'playwright-core'

/** Where Debian and Ubuntu's chromium package puts the browser. */
export const SYSTEM_CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags for a quiet, offline, headless browser: no GPU, no updates, no background requests. */
const quietArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--lang=en-US',
]

/**
 * The environment the browser runs in. Under a C/POSIX locale (LANG=C.UTF-8, as in
 * containers) a renderer's default locale is 'en-US@posix', which Intl rejects, and
 * uPlot formats its axes with Intl; --lang only reaches the browser process.
 */
function browserEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' }
}

/** Which binary a launch uses, and why. */
export interface BrowserChoice {
  source: 'system' | 'bundled' | 'env'
  executablePath: string
  args: string[]
}

/** Picks the browser binary: ISTHMUS_BROWSER, else the system Chromium, else the bundled one. */
export async function chooseBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const wanted = env.ISTHMUS_BROWSER
  if (wanted !== undefined && wanted !== '' && wanted !== 'bundled') {
    if (!existsSync(wanted)) throw new Error(`ISTHMUS_BROWSER=${wanted}: no such file`)
    return { source: 'env', executablePath: wanted, args: quietArgs }
  }
  if (wanted !== 'bundled' && existsSync(SYSTEM_CHROMIUM_PATH)) {
    return { source: 'system', executablePath: SYSTEM_CHROMIUM_PATH, args: quietArgs }
  }
  const executablePath = await bundledChromium.executablePath()
  // Its --single-process (for AWS Lambda's sandbox) ends the whole browser when the first page closes.
  const bundledArgs = bundledChromium.args.filter((arg) => arg !== '--single-process')
  return { source: 'bundled', executablePath, args: [...bundledArgs, ...quietArgs] }
}

/** Launches headless Chromium (see {@link chooseBrowser}); the caller closes it. */
export async function launchBrowser(): Promise<{ browser: Browser; choice: BrowserChoice }> {
  const choice = await chooseBrowser()
  const browser = await chromium.launch({
    executablePath: choice.executablePath,
    args: choice.args,
    env: browserEnv(),
  })
  return { browser, choice }
}
