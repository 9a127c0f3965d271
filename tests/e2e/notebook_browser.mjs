// Drives Debian's Chromium through a running Notebook 6 server, as a user would:
// New -> Python 3 (xlazy), heavy imports, %lazy status, a resolved import, a failing deferred
// import. Started by test_notebook_browser.py, which owns the server and its kernels.
//
//   node notebook_browser.mjs --url http://127.0.0.1:PORT/ --token TOKEN --artifacts DIR
//        [--profile DIR] [--expected-logo PATH] [--chromium PATH]
//
// Exits 0 when every step passed; otherwise prints which step failed and saves
// notebook-failure.png in the artifact directory.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    artifacts: { type: 'string' },
    profile: { type: 'string' },
    'expected-logo': { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
for (const required of ['url', 'token', 'artifacts']) {
  if (!options[required]) {
    console.error(`missing --${required}`);
    process.exit(2);
  }
}

const KERNEL_NAME = 'xlazy';
const DISPLAY_NAME = 'Python 3 (xlazy)';
const LOGO_PATH = `kernelspecs/${KERNEL_NAME}/logo-64x64.png`;
// A hang guard for each wait, not a performance bound: the first cell of a fresh kernel on a
// loaded 2-core machine can be slow, and no step's duration is asserted.
const WAIT_TIMEOUT = 90_000;
const BROKEN_MESSAGE = 'plugin needs a licence file';

const baseUrl = options.url.endsWith('/') ? options.url : `${options.url}/`;
mkdirSync(options.artifacts, { recursive: true });
// A failure screenshot left by an earlier run would suggest this run failed too.
rmSync(join(options.artifacts, 'notebook-failure.png'), { force: true });
const timings = {};

function check(condition, message) {
  if (!condition) throw new Error(message);
}

let currentStep = '(start)';
async function step(name, action) {
  currentStep = name;
  console.log(`[step] ${name}`);
  const started = performance.now();
  const result = await action();
  console.log(`       ok (${Math.round(performance.now() - started)} ms)`);
  return result;
}

function pngSize(bytes) {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  check(bytes.subarray(0, 8).equals(signature), 'logo is not a PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

// ---- notebook page helpers -------------------------------------------------------------

// The i-th cell of the notebook (0-based), as Notebook 6 renders it.
const cellAt = (page, index) => page.locator('#notebook-container > .cell').nth(index);

// Types `code` into cell `index` and runs it with Shift+Enter, like a user. The text is
// inserted as one input event (as a paste would) rather than key by key, because
// CodeMirror's auto-closing of brackets and quotes would otherwise double some characters.
// Returns the execution count shown in the cell's prompt and how long it took to appear.
async function runCell(page, index, code) {
  const cell = cellAt(page, index);
  await cell.locator('.CodeMirror').click();
  await page.keyboard.insertText(code);
  const typed = await page.evaluate((i) => Jupyter.notebook.get_cell(i).get_text(), index);
  check(typed === code, `cell ${index} holds ${JSON.stringify(typed)}, not ${JSON.stringify(code)}`);

  const started = performance.now();
  await page.keyboard.press('Shift+Enter');
  // The prompt reads "In [*]:" while the cell runs and "In [N]:" once its execute_reply
  // arrived: that is when the user sees the cell finish.
  const prompt = cell.locator('.input_prompt');
  await prompt.filter({ hasText: /\[\d+\]/ }).waitFor({ timeout: WAIT_TIMEOUT });
  const elapsedMs = performance.now() - started;
  const executionCount = Number((await prompt.innerText()).match(/\[(\d+)\]/)[1]);
  // Outputs come on another channel than the reply: wait for the kernel to report idle too
  // before looking at them (each caller then also waits for the output it expects).
  await page.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor({ timeout: WAIT_TIMEOUT });
  return { cell, executionCount, elapsedMs };
}

async function assertNoError(cell, what) {
  const errors = await cell.locator('.output_error').allInnerTexts();
  check(errors.length === 0, `${what} raised:\n${errors.join('\n')}`);
}

// Rows of the `%lazy status` HTML table in a cell, as {column header: cell text} objects.
async function lazyStatusRows(cell) {
  const table = cell.locator('.output_html table.xlazy-status');
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

function rowFor(rows, name) {
  const row = rows.find((candidate) => candidate.name === name);
  check(row, `no %lazy status row for ${name}: ${JSON.stringify(rows)}`);
  return row;
}

// ---- the scenario ------------------------------------------------------------------------

const profile = options.profile ?? mkdtempSync(join(tmpdir(), 'xlazy-notebook-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: options.chromium,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
context.setDefaultTimeout(WAIT_TIMEOUT);

let activePage = null;
let failed = false;
try {
  // Browser-side errors explain many UI failures, so they go to the log.
  context.on('page', (page) => {
    page.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') console.log(`  [console error] ${message.text()}`);
    });
  });
  const tree = context.pages()[0] ?? (await context.newPage());
  tree.on('pageerror', (error) => console.log(`  [page error] ${error.message}`));
  activePage = tree;

  await step('open the tree page with the token', async () => {
    const response = await tree.goto(`${baseUrl}tree?token=${options.token}`);
    check(response.ok(), `tree page answered ${response.status()}`);
    await tree.locator('#notebook_list').waitFor();
  });

  const menuItem = tree.locator(`#new-menu li#kernel-${KERNEL_NAME} a`);
  await step(`the New menu lists "${DISPLAY_NAME}"`, async () => {
    await tree.locator('#new-dropdown-button').click();
    await menuItem.waitFor({ state: 'visible' });
    const label = (await menuItem.innerText()).trim();
    check(label === DISPLAY_NAME, `menu item reads "${label}"`);
  });

  await step('the kernelspec announces its logo and the server serves it', async () => {
    // Notebook 6's New menu shows names only; the logo is announced in the kernelspec
    // resources and drawn on the notebook page (checked there once the notebook is open).
    const specs = await (await tree.request.get(`${baseUrl}api/kernelspecs`)).json();
    const spec = specs.kernelspecs[KERNEL_NAME];
    check(spec, `no ${KERNEL_NAME} in /api/kernelspecs: ${Object.keys(specs.kernelspecs)}`);
    check(spec.spec.display_name === DISPLAY_NAME, `display name is ${spec.spec.display_name}`);
    check(spec.resources['logo-64x64']?.endsWith(`/${LOGO_PATH}`),
      `logo-64x64 resource is ${spec.resources['logo-64x64']}`);
    const logo = await tree.request.get(`${baseUrl}${LOGO_PATH}`);
    check(logo.status() === 200, `${LOGO_PATH} answered ${logo.status()}`);
    check(logo.headers()['content-type'] === 'image/png', `logo type is ${logo.headers()['content-type']}`);
    const bytes = await logo.body();
    const [width, height] = pngSize(bytes);
    check(width === 64 && height === 64, `logo is ${width}x${height}`);
    if (options['expected-logo']) {
      check(sha256(bytes) === sha256(readFileSync(options['expected-logo'])),
        `served logo differs from ${options['expected-logo']}`);
    }
  });

  const notebook = await step(`click "${DISPLAY_NAME}": a notebook opens in a new tab`, async () => {
    // Notebook opens a blank tab first and points it at the new notebook once created.
    const [page] = await Promise.all([context.waitForEvent('page'), menuItem.click()]);
    activePage = page;
    await page.waitForURL(/\/notebooks\/.*\.ipynb/);
    await page.locator('#notebook-container .cell').first().waitFor();
    return page;
  });

  await step('the kernel starts and is idle, with its name and logo in the header', async () => {
    await notebook.locator('#kernel_indicator .kernel_indicator_name', { hasText: DISPLAY_NAME }).waitFor();
    await notebook.locator('#kernel_indicator_icon.kernel_idle_icon').waitFor();
    const logo = notebook.locator('#kernel_logo_widget img.current_kernel_logo');
    await logo.waitFor({ state: 'visible' });
    // naturalWidth is 64 only once the browser has loaded and decoded the kernel's PNG.
    await notebook.waitForFunction(
      (img) => img.src.endsWith('/kernelspecs/xlazy/logo-64x64.png') && img.complete && img.naturalWidth === 64,
      await logo.elementHandle());
    const kernelName = await notebook.evaluate(() => Jupyter.notebook.kernel.name);
    check(kernelName === KERNEL_NAME, `the notebook's kernel is ${kernelName}`);
  });

  let cellIndex = 0;
  const heavyImports = 'import numpy as np\nimport pandas as pd\nimport scipy.stats\nimport sympy';
  await step('a cell of heavy imports finishes at once (time recorded, not asserted)', async () => {
    const { cell, elapsedMs } = await runCell(notebook, cellIndex++, heavyImports);
    await assertNoError(cell, 'the import cell');
    timings.heavyImportCellMs = Math.round(elapsedMs);
    console.log(`       heavy import cell: ${timings.heavyImportCellMs} ms from Shift+Enter to its prompt number`);
  });

  const expectedHeaders = ['statement', 'name', 'module', 'state', 'declared', 'resolved by', 'ms', 'loaded'];
  await step('%lazy status shows an HTML table with the four imports pending', async () => {
    const { cell } = await runCell(notebook, cellIndex++, '%lazy status');
    const { headers, rows } = await lazyStatusRows(cell);
    check(JSON.stringify(headers) === JSON.stringify(expectedHeaders), `table headers are ${headers}`);
    for (const name of ['np', 'pd', 'scipy', 'sympy']) {
      const row = rowFor(rows, name);
      check(row.state === 'pending', `${name} is ${row.state}, not pending`);
    }
  });

  let numpyCell;
  await step('np.arange(10).sum() shows 45', async () => {
    const run = await runCell(notebook, cellIndex++, 'np.arange(10).sum()');
    numpyCell = run.executionCount;
    await assertNoError(run.cell, 'np.arange(10).sum()');
    const result = run.cell.locator('.output_result');
    await result.waitFor();
    const text = (await result.innerText()).trim();
    check(text === '45', `the result reads ${JSON.stringify(text)}`);
  });

  await step('%lazy status again: numpy resolved by that cell, the others still pending', async () => {
    const { cell } = await runCell(notebook, cellIndex++, '%lazy status');
    const { rows } = await lazyStatusRows(cell);
    const numpy = rowFor(rows, 'np');
    check(numpy.state === 'resolved', `np is ${numpy.state}, not resolved`);
    check(numpy['resolved by'].startsWith(`cell [${numpyCell}]`), `np was resolved by "${numpy['resolved by']}"`);
    for (const name of ['pd', 'scipy', 'sympy']) {
      const row = rowFor(rows, name);
      check(row.state === 'pending', `${name} is ${row.state}, not pending`);
    }
  });

  await step('write a module that raises on import, on sys.path', async () => {
    const code = 'import sys, tempfile, pathlib\n'
      + 'plugin_dir = pathlib.Path(tempfile.mkdtemp())\n'
      + `(plugin_dir / 'broken_plugin.py').write_text("raise RuntimeError('${BROKEN_MESSAGE}')")\n`
      + 'sys.path.insert(0, str(plugin_dir))';
    const { cell } = await runCell(notebook, cellIndex++, code);
    await assertNoError(cell, 'writing broken_plugin.py');
  });

  let importCell;
  await step('import broken_plugin is deferred: no error yet', async () => {
    const run = await runCell(notebook, cellIndex++, 'import broken_plugin');
    importCell = run.executionCount;
    await assertNoError(run.cell, 'import broken_plugin');
  });

  await step('broken_plugin.run() shows the RuntimeError and the xlazy note', async () => {
    const { cell } = await runCell(notebook, cellIndex++, 'broken_plugin.run()');
    const error = cell.locator('.output_error');
    await error.waitFor();
    const text = await error.innerText();
    check(text.includes(`RuntimeError: ${BROKEN_MESSAGE}`), `the error output lacks the RuntimeError:\n${text}`);
    const note = `xlazy: raised while importing 'broken_plugin' for \`import broken_plugin\` (cell [${importCell}], line 1)`;
    check(text.includes(note), `the error output lacks the note "${note}":\n${text}`);
  });

  await step('save a screenshot of the whole notebook', async () => {
    await saveWholeNotebook(notebook, join(options.artifacts, 'notebook.png'));
  });
} catch (error) {
  failed = true;
  console.log(`FAILED at step: ${currentStep}\n${error.stack ?? error}`);
  if (activePage) {
    const path = join(options.artifacts, 'notebook-failure.png');
    await activePage.screenshot({ path, fullPage: true }).then(
      () => console.log(`failure screenshot: ${path}`),
      (screenshotError) => console.log(`no failure screenshot: ${screenshotError.message}`));
  }
} finally {
  await context.close();
}
console.log(`timings: ${JSON.stringify(timings)}`);
process.exit(failed ? 1 : 0);

// Notebook 6 scrolls the notebook inside #site, not the document, so a full-page screenshot
// would stop at the window's height: grow the window to the notebook's height first.
async function saveWholeNotebook(page, path) {
  const height = await page.evaluate(() => {
    const site = document.querySelector('#site');
    return document.body.scrollHeight - site.clientHeight + site.scrollHeight;
  });
  await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 8000) });
  await page.locator('#notebook-container').evaluate((element) => element.scrollIntoView());
  await page.screenshot({ path, fullPage: true });
  console.log(`       screenshot: ${path}`);
}
