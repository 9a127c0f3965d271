// Drives Debian's Chromium through Notebook 7 (from the front-end venv) as a user would:
// New -> Python 3 (xlazy), a notebook opens on xlazy showing xlazy's logo, deferred imports run.
// Notebook 7's New menu draws its generic notebook icon for every kernel (its tree extension
// adds each kernelspec as `notebook:create-new`, whose icon is fixed); the kernelspec's logo
// appears in the notebook's top bar, so that is where the logo is checked.
// The /tree page logs `Cannot read properties of undefined (reading 'schema')` whatever the
// kernels: Notebook 7.6's shortcut settings react to plugins the page does not load
// (metadataform, logconsole: "has no transformers yet"); `jupyter notebook` alone does the same.
// Started by test_frontends_browser.py, which owns the server and its kernels.
//
//   node notebook7_browser.mjs --url http://127.0.0.1:PORT/ --token TOKEN --artifacts DIR --profile DIR
import {
  DISPLAY_NAME, KERNEL_NAME, assertNoError, check, checkKernelLogo, lazyStatusRows, readOptions, resultText,
  rowFor, runCell, runScenario, screenshot, waitForKernelIdle,
} from './lab_ui.mjs';

const options = readOptions({ token: { type: 'string' } });

await runScenario('notebook7', options, async (context, session) => {
  const tree = session.page;

  const menuItem = tree.locator('.lm-Menu-item', { hasText: DISPLAY_NAME });
  await session.run(`the New menu lists "${DISPLAY_NAME}"`, async () => {
    const response = await tree.goto(`${options.url}tree?token=${options.token}`);
    check(response.ok(), `/tree answered ${response.status()}`);
    await tree.locator('.jp-DirListing').waitFor();
    await tree.getByText('New', { exact: true }).first().click();
    await menuItem.waitFor({ state: 'visible' });
    await screenshot(tree, options, 'notebook7-new-menu.png');
  });

  const notebook = await session.run("choosing it opens a notebook on xlazy in a new tab, with xlazy's logo", async () => {
    const [page] = await Promise.all([context.waitForEvent('page'), menuItem.click()]);
    session.page = page;
    await page.waitForURL(/\/notebooks\/.*\.ipynb/);
    await page.locator('.jp-KernelName', { hasText: DISPLAY_NAME }).waitFor();
    await waitForKernelIdle(page);
    const implementation = await page.evaluate(
      async () => (await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.info).implementation);
    check(implementation === KERNEL_NAME, `the notebook's kernel is ${implementation}`);
    await checkKernelLogo(page, page.locator('.jp-NotebookKernelLogo img'), options.url);
    await screenshot(page, options, 'notebook7-kernel-logo.png');
    return page;
  });

  await session.run('a cell of deferred imports runs, then numpy resolves for the cell using it', async () => {
    const imports = await runCell(notebook, 0, 'import numpy as np\nimport pandas as pd');
    await assertNoError(imports.cell, 'the import cell');
    const sum = await runCell(notebook, 1, 'np.arange(10).sum()');
    check(await resultText(sum.cell) === '45', `np.arange(10).sum() shows ${await resultText(sum.cell)}`);
    const { cell } = await runCell(notebook, 2, '%lazy status');
    const { rows } = await lazyStatusRows(cell);
    check(rowFor(rows, 'np')['resolved by'].startsWith(`cell [${sum.executionCount}]`), 'np was not resolved by its cell');
    check(rowFor(rows, 'pd').state === 'pending', 'pd is not pending');
    await screenshot(notebook, options, 'notebook7.png');
  });
});
