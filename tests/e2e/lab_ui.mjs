// What the browser scripts of the current front ends share: JupyterLab 4, Notebook 7 and the
// JupyterLab of a JupyterHub 6 user server all render notebooks with JupyterLab's components,
// so one set of helpers drives a cell, reads its outputs and the %lazy status table in each.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

export const KERNEL_NAME = 'xlazy';
export const DISPLAY_NAME = 'Python 3 (xlazy)';
// A hang guard for each wait, not a performance bound: nothing asserts how long a step took.
export const WAIT_TIMEOUT = 90_000;

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Command-line options common to every script, plus the script's own.
export function readOptions(extra = {}) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      artifacts: { type: 'string' },
      profile: { type: 'string' },
      chromium: { type: 'string', default: '/usr/bin/chromium' },
      ...extra,
    },
  });
  for (const required of ['url', 'artifacts', 'profile']) {
    if (!values[required]) {
      console.error(`missing --${required}`);
      process.exit(2);
    }
  }
  values.url = values.url.endsWith('/') ? values.url : `${values.url}/`;
  mkdirSync(values.artifacts, { recursive: true });
  return values;
}

// Runs `scenario(context, session)` in a fresh headless Chromium and exits 0 when every step
// passed; otherwise prints the step that failed and saves NAME-failure.png.
export async function runScenario(name, options, scenario) {
  const failureShot = join(options.artifacts, `${name}-failure.png`);
  // A failure screenshot left by an earlier run would suggest this run failed too.
  rmSync(failureShot, { force: true });
  const context = await chromium.launchPersistentContext(options.profile, {
    executablePath: options.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.setDefaultTimeout(WAIT_TIMEOUT);
  const watch = (page) => {
    // Browser-side errors explain many UI failures, so they go to the log.
    page.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') console.log(`  [console error] ${message.text()}`);
    });
  };
  context.on('page', watch);
  const session = { page: context.pages()[0] ?? (await context.newPage()), step: '(start)', timings: {} };
  watch(session.page);
  session.run = async (title, action) => {
    session.step = title;
    console.log(`[step] ${title}`);
    const started = performance.now();
    const result = await action();
    console.log(`       ok (${Math.round(performance.now() - started)} ms)`);
    return result;
  };
  let failed = false;
  try {
    await scenario(context, session);
  } catch (error) {
    failed = true;
    console.log(`FAILED at step: ${session.step}\n${error.stack ?? error}`);
    await session.page.screenshot({ path: failureShot, fullPage: true }).then(
      () => console.log(`failure screenshot: ${failureShot}`),
      (screenshotError) => console.log(`no failure screenshot: ${screenshotError.message}`));
  } finally {
    await context.close();
  }
  console.log(`timings: ${JSON.stringify(session.timings)}`);
  process.exit(failed ? 1 : 0);
}

export async function screenshot(page, options, file) {
  const path = join(options.artifacts, file);
  await page.screenshot({ path });
  console.log(`       screenshot: ${path}`);
}

// ---- a notebook panel -------------------------------------------------------------------

export const activeNotebook = (page) => page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
export const cellAt = (page, index) => activeNotebook(page).locator('.jp-Notebook .jp-Cell').nth(index);

// The kernel's status as the page's session knows it (the servers run with
// expose_app_in_browser, which makes the application reachable as window.jupyterapp).
export async function waitForKernelIdle(page) {
  await page.waitForFunction(
    () => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle',
    null, { timeout: WAIT_TIMEOUT });
}

// Puts `code` into cell `index` as one input event (as a paste would, so no editor feature
// rewrites it) and leaves the cursor at its end.
export async function typeInto(page, index, code) {
  const cell = cellAt(page, index);
  await cell.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(code);
  const typed = await cell.locator('.cm-content').evaluate((element) => element.cmView?.view?.state?.doc?.toString()
    ?? [...element.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\n'));
  check(typed === code, `cell ${index} holds ${JSON.stringify(typed)}, not ${JSON.stringify(code)}`);
  return cell;
}

// Types `code` into cell `index` and runs it with Shift+Enter, like a user, then waits for
// its prompt number (the execute_reply) and for the kernel to be idle (its outputs).
export async function runCell(page, index, code) {
  const cell = await typeInto(page, index, code);
  const started = performance.now();
  await page.keyboard.press('Shift+Enter');
  const prompt = cell.locator('.jp-InputArea-prompt');
  await prompt.filter({ hasText: /\[\d+\]/ }).waitFor({ timeout: WAIT_TIMEOUT });
  const elapsedMs = performance.now() - started;
  const executionCount = Number((await prompt.innerText()).match(/\[(\d+)\]/)[1]);
  await waitForKernelIdle(page);
  return { cell, executionCount, elapsedMs };
}

export async function assertNoError(cell, what) {
  const errors = await cell.locator('[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]').allInnerTexts();
  const tracebacks = errors.filter((text) => /Error|Traceback/.test(text));
  check(tracebacks.length === 0, `${what} raised:\n${tracebacks.join('\n')}`);
}

export async function resultText(cell) {
  const result = cell.locator('.jp-OutputArea-executeResult .jp-OutputArea-output');
  await result.waitFor();
  return (await result.innerText()).trim();
}

// Rows of the `%lazy status` HTML table in a cell, as {column header: cell text} objects.
export async function lazyStatusRows(cell) {
  const table = cell.locator('.jp-RenderedHTMLCommon table.xlazy-status');
  await table.waitFor({ timeout: WAIT_TIMEOUT });
  return table.evaluate((element) => {
    const headers = [...element.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    return {
      headers,
      rows: [...element.querySelectorAll('tbody tr')].map((tr) =>
        Object.fromEntries([...tr.querySelectorAll('td')].map((td, i) => [headers[i], td.textContent.trim()]))),
    };
  });
}

export function rowFor(rows, name) {
  const row = rows.find((candidate) => candidate.name === name);
  check(row, `no %lazy status row for ${name}: ${JSON.stringify(rows)}`);
  return row;
}

// The launcher card of a kernel and its logo: the <img> must point at the kernelspec's own
// resource and have loaded (naturalWidth > 0 once the browser decoded it), not fall back to
// the generic icon JupyterLab draws for kernels without a logo.
export async function checkKernelLogo(page, img, baseUrl) {
  await img.waitFor({ state: 'visible' });
  const src = await img.getAttribute('src');
  const resource = new RegExp(`kernelspecs/${KERNEL_NAME}/logo-(svg\\.svg|64x64\\.png)$`);
  check(resource.test(new URL(src, baseUrl).pathname), `the logo's src is ${src}`);
  await page.waitForFunction((element) => element.complete && element.naturalWidth > 0, await img.elementHandle());
  return src;
}
