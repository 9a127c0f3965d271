// A user of a JupyterHub 6 set up with tests/e2e/jupyterhub_config.py, in Debian's Chromium:
// logs in through the form, lands in JupyterLab, whose launcher puts xlazy first as the
// default notebook; a notebook opened from it runs cells with the admin's mode and exclusions.
// Started by test_jupyterhub6.py, which owns the Hub.
//
//   node jupyterhub_lab_browser.mjs --url http://127.0.0.1:PORT/ --user NAME --password PW --artifacts DIR --profile DIR
import {
  DISPLAY_NAME, KERNEL_NAME, assertNoError, check, checkKernelLogo, lazyStatusRows, readOptions, resultText,
  rowFor, runCell, runScenario, screenshot, waitForKernelIdle,
} from './lab_ui.mjs';

const options = readOptions({ user: { type: 'string' }, password: { type: 'string' } });

await runScenario('jupyterhub6', options, async (context, session) => {
  const page = session.page;

  await session.run('log in through the form; the server starts and JupyterLab opens', async () => {
    await page.goto(`${options.url}hub/login`);
    await page.locator('input[name="username"]').fill(options.user);
    await page.locator('input[name="password"]').fill(options.password);
    await page.locator('input[type="submit"], button[type="submit"]').first().click();
    await page.waitForURL(new RegExp(`/user/${options.user}/lab`), { timeout: 120_000 });
    await page.locator('.jp-LauncherCard').first().waitFor();
  });

  const firstNotebookCard = page.locator('.jp-LauncherCard[data-category="Notebook"]').first();
  await session.run(`the launcher's first (default) notebook is "${DISPLAY_NAME}" with its logo`, async () => {
    const title = await firstNotebookCard.getAttribute('title');
    check(title === DISPLAY_NAME, `the first notebook card is "${title}"`);
    await checkKernelLogo(page, firstNotebookCard.locator('img'), page.url());
    await screenshot(page, options, 'jupyterhub6-launcher.png');
  });

  await session.run('the default notebook starts xlazy and runs a cell', async () => {
    await firstNotebookCard.click();
    await waitForKernelIdle(page);
    const implementation = await page.evaluate(
      async () => (await window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.info).implementation);
    check(implementation === KERNEL_NAME, `the notebook's kernel is ${implementation}`);
    const { cell } = await runCell(page, 0, '6 * 7');
    check(await resultText(cell) === '42', `6 * 7 shows ${await resultText(cell)}`);
  });

  await session.run("the admin's mode and exclusions apply: statistics eager, wave deferred", async () => {
    const imports = await runCell(page, 1, 'import statistics\nimport wave');
    await assertNoError(imports.cell, 'the import cell');
    const { cell } = await runCell(page, 2, '%lazy status');
    const { rows } = await lazyStatusRows(cell);
    const statistics = rowFor(rows, 'statistics');
    check(statistics.state.startsWith('eager'), `statistics is ${JSON.stringify(statistics)}, not eager`);
    check(rowFor(rows, 'wave').state === 'pending', 'wave is not pending');
    const summary = await cell.locator('.jp-OutputArea').innerText();
    check(summary.includes('lazy mode: cell'), `the summary does not say the admin's mode:\n${summary}`);
    await screenshot(page, options, 'jupyterhub6-notebook.png');
  });
});
