// Drives Debian's Chromium through JupyterLab 4 (from the front-end venv) as a user would:
// launcher card and logo, the kernel dialog, heavy imports, %lazy status in the light and the
// dark theme, completion and contextual help on a pending name, the debugger, widgets,
// tqdm.auto, and interrupt / restart while a deferred import resolves. Started by
// test_frontends_browser.py, which owns the server and its kernels.
//
//   node jupyterlab_browser.mjs --part editing|debugger|widgets|kernel-menu
//        --url http://127.0.0.1:PORT/ --token TOKEN --artifacts DIR --profile DIR
//
// Each part opens a notebook of its own from the launcher, so each reports on its own.
import { join } from 'node:path';
import {
  DISPLAY_NAME, KERNEL_NAME, WAIT_TIMEOUT, activeNotebook, assertNoError, cellAt, check, checkKernelLogo,
  lazyStatusRows, readOptions, resultText, rowFor, runCell, runScenario, screenshot, typeInto, waitForKernelIdle,
} from './lab_ui.mjs';

const options = readOptions({ token: { type: 'string' }, part: { type: 'string' } });

// Menu bar > menu > item, as a user clicks through it.
async function menu(page, ...labels) {
  await page.locator('.lm-MenuBar-itemLabel', { hasText: labels[0] }).click();
  for (const label of labels.slice(1)) {
    const item = page.locator('.lm-Menu:visible .lm-Menu-itemLabel').getByText(label, { exact: true });
    await item.hover();
    await item.click();
  }
}

async function kernelImplementation(page) {
  return page.evaluate(async () => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    return (await kernel.info).implementation;
  });
}

// Settings > Theme > NAME, then waits until the notebook is drawn with it: the theme's
// stylesheet arrives after the body's theme attribute changes.
async function useTheme(page, name) {
  await menu(page, 'Settings', 'Theme', name);
  await page.locator(`body[data-jp-theme-name="${name}"]`).waitFor({ state: 'attached' });
  const light = name.includes('Light');
  await page.waitForFunction((wantLight) => {
    const [r, g, b] = getComputedStyle(document.querySelector('.jp-NotebookPanel .jp-Notebook')).backgroundColor
      .match(/[\d.]+/g).map(Number);
    return (r + g + b > 3 * 128) === wantLight;
  }, light);
}

// WCAG contrast of every header and data cell of the %lazy status table against the
// background it is drawn on (the first ancestor with an opaque background).
async function weakestTableContrast(cell) {
  return cell.locator('table.xlazy-status').evaluate((table) => {
    const rgb = (value) => (value.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r, g, b]) => {
      const channel = (c) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const background = (element) => {
      for (let node = element; node; node = node.parentElement) {
        const color = rgb(getComputedStyle(node).backgroundColor);
        if (color.length === 3 || (color.length === 4 && color[3] === 1)) return color.slice(0, 3);
      }
      return [255, 255, 255];
    };
    let weakest = { ratio: Infinity };
    for (const element of table.querySelectorAll('th, td')) {
      if (!element.textContent.trim()) continue;
      const fg = luminance(rgb(getComputedStyle(element).color).slice(0, 3));
      const bg = luminance(background(element));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < weakest.ratio) {
        weakest = { ratio, text: element.textContent.trim(), color: getComputedStyle(element).color,
          background: background(element).join(',') };
      }
    }
    return weakest;
  });
}

const parts = {
  // What a user sees first and types most: launcher, kernel dialog, imports, %lazy status
  // in both themes, completion and contextual help.
  editing: async (session, page) => {
    let index = 0;
    await session.run(`the launcher shows a "${DISPLAY_NAME}" card with xlazy's logo`, async () => {
      const response = await page.goto(`${options.url}lab?reset&token=${options.token}`);
      check(response.ok(), `/lab answered ${response.status()}`);
      const card = page.locator(`.jp-LauncherCard[data-category="Notebook"][title="${DISPLAY_NAME}"]`);
      await card.waitFor();
      const label = (await card.locator('.jp-LauncherCard-label').innerText()).trim();
      check(label === DISPLAY_NAME, `the card reads "${label}"`);
      await checkKernelLogo(page, card.locator('img'), options.url);
      await screenshot(page, options, 'jupyterlab-launcher.png');
    });

    await session.run('clicking the card opens a notebook on xlazy', async () => {
      await page.locator(`.jp-LauncherCard[data-category="Notebook"][title="${DISPLAY_NAME}"]`).click();
      await activeNotebook(page).locator('.jp-KernelName', { hasText: DISPLAY_NAME }).waitFor();
      await waitForKernelIdle(page);
      check(await kernelImplementation(page) === KERNEL_NAME, 'the kernel does not call itself xlazy');
    });

    await session.run('Kernel > Change Kernel… lists xlazy; choosing it starts a new xlazy kernel', async () => {
      const before = await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id);
      await menu(page, 'Kernel', 'Change Kernel…');
      const dialog = page.locator('.jp-Dialog');
      await dialog.waitFor();
      const select = dialog.locator('select');
      const offered = await select.locator('option').allInnerTexts();
      check(offered.some((text) => text.trim() === DISPLAY_NAME), `the dialog offers ${JSON.stringify(offered)}`);
      await screenshot(page, options, 'jupyterlab-kernel-dialog.png');
      const value = await select.locator('option', { hasText: DISPLAY_NAME }).first().getAttribute('value');
      await select.selectOption(value);
      await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
      await page.waitForFunction((id) => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;
        return kernel && kernel.id !== id && kernel.status === 'idle';
      }, before, { timeout: WAIT_TIMEOUT });
      check(await kernelImplementation(page) === KERNEL_NAME, 'the chosen kernel is not xlazy');
    });

    await session.run('a cell of heavy imports returns at once (time recorded, not asserted)', async () => {
      const run = await runCell(page, index++, 'import numpy as np\nimport pandas as pd\nimport scipy.stats\nimport torch');
      await assertNoError(run.cell, 'the import cell');
      session.timings.heavyImportCellMs = Math.round(run.elapsedMs);
    });

    const statusCell = index;
    await session.run('%lazy status renders its table, readable in the light theme', async () => {
      await useTheme(page, 'JupyterLab Light');
      const { cell } = await runCell(page, index++, '%lazy status');
      const { rows } = await lazyStatusRows(cell);
      for (const name of ['np', 'pd', 'scipy', 'torch']) {
        check(rowFor(rows, name).state === 'pending', `${name} is not pending`);
      }
      const weakest = await weakestTableContrast(cell);
      check(weakest.ratio >= 4.5, `light theme: "${weakest.text}" has contrast ${weakest.ratio.toFixed(2)}`);
      session.timings.lightContrast = Number(weakest.ratio.toFixed(2));
      await cell.scrollIntoViewIfNeeded();
      await screenshot(page, options, 'jupyterlab-lazy-status-light.png');
    });

    await session.run('Settings > Theme > JupyterLab Dark: the table stays readable', async () => {
      await useTheme(page, 'JupyterLab Dark');
      const cell = cellAt(page, statusCell);
      const weakest = await weakestTableContrast(cell);
      check(weakest.ratio >= 4.5, `dark theme: "${weakest.text}" (${weakest.color} on ${weakest.background}) has contrast ${weakest.ratio.toFixed(2)}`);
      session.timings.darkContrast = Number(weakest.ratio.toFixed(2));
      await cell.scrollIntoViewIfNeeded();
      await screenshot(page, options, 'jupyterlab-lazy-status-dark.png');
      await useTheme(page, 'JupyterLab Light');
    });

    await session.run('Tab after np.ar lists numpy attributes', async () => {
      const cell = await typeInto(page, index, 'np.ar');
      // Tab completes only once the editor knows the cursor follows a name.
      await page.locator('.jp-mod-completer-enabled').first().waitFor({ state: 'attached' });
      const completer = page.locator('.jp-Completer');
      await page.keyboard.press('Tab');
      // JupyterLab drops a provider's answer that takes longer than its providerTimeout (1 s);
      // the first completion on a pending module imports it and can take longer on a loaded
      // machine. A user then presses Tab again: that is allowed once, and logged.
      try {
        await completer.waitFor({ state: 'visible', timeout: 5_000 });
      } catch {
        console.log('       the first Tab showed nothing (answer slower than JupyterLab waits); Tab again');
        session.timings.firstTabDropped = true;
        await page.keyboard.press('Tab');
        await completer.waitFor({ state: 'visible' });
      }
      const items = await completer.locator('.jp-Completer-item').allInnerTexts();
      const names = items.map((text) => text.trim().split(/\s+/)[0]);
      for (const expected of ['arange', 'array']) {
        check(names.includes(expected), `the completer lists ${JSON.stringify(names)}`);
      }
      await screenshot(page, options, 'jupyterlab-completion.png');
      await page.keyboard.press('Escape');
    });

    await session.run('contextual help shows the docstring of np.arange', async () => {
      await menu(page, 'Help', 'Show Contextual Help');
      const inspector = page.locator('.jp-Inspector-content');
      await inspector.waitFor();
      await typeInto(page, index, 'np.arange(');
      await inspector.filter({ hasText: 'Return evenly spaced values' }).waitFor();
      await screenshot(page, options, 'jupyterlab-contextual-help.png');
      await page.locator('.lm-TabBar-tab', { hasText: 'Contextual Help' }).locator('.lm-TabBar-tabCloseIcon').click();
    });

  },

  debugger: async (session, page) => {
    let index = 0;
    await openFromLauncher(session, page);
    const imports = await runCell(page, index++, 'import pandas as pd');
    await assertNoError(imports.cell, 'the import cell');
    await session.run('the debugger stops at a breakpoint in a function using a pending import', async () => {
      await page.locator('.jp-NotebookPanel-toolbar .jp-DebuggerBugButton').click();
      await page.locator('.jp-DebuggerSidebar').waitFor({ state: 'visible' });
      const code = 'def summary(n):\n    frame = pd.DataFrame({"x": list(range(n))})\n    total = int(frame["x"].sum())\n    return total\n\nsummary(4)';
      const cell = await typeInto(page, index, code);
      // The breakpoint gutter of line 3 (`total = ...`).
      const line = await cell.locator('.cm-line').nth(2).boundingBox();
      const gutterBox = await cell.locator('div.cm-gutter.cm-breakpoint-gutter').boundingBox();
      check(gutterBox && line, 'the cell has no breakpoint gutter');
      await page.mouse.click(gutterBox.x + gutterBox.width / 2, line.y + line.height / 2);
      await page.locator('.jp-DebuggerBreakpoints-body').getByText('3', { exact: false }).first().waitFor();
      await page.keyboard.press('Shift+Enter');
      index++;
      await page.locator('.jp-DebuggerCallstack-body', { hasText: 'summary' }).waitFor();
      const variables = page.locator('.jp-DebuggerVariables-body');
      await variables.getByText('frame', { exact: true }).first().waitFor();
      await variables.getByText('n', { exact: true }).first().waitFor();
      await screenshot(page, options, 'jupyterlab-debugger-stopped.png');
      await page.locator('.jp-DebuggerSidebar [title^="Next"]').first().click();
      await variables.getByText('total', { exact: true }).first().waitFor();
      await page.locator('.jp-DebuggerSidebar [title^="Continue"]').first().click();
      const prompt = cell.locator('.jp-InputArea-prompt');
      await prompt.filter({ hasText: /\[\d+\]/ }).waitFor();
      check(await resultText(cell) === '6', `summary(4) shows ${await resultText(cell)}`);
      await page.locator('.jp-NotebookPanel-toolbar .jp-DebuggerBugButton').click();
      await waitForKernelIdle(page);
    });

  },

  widgets: async (session, page) => {
    let index = 0;
    await openFromLauncher(session, page);
    // The widget manager logs why it refuses a kernel's widgets; waiting for a slider that
    // cannot come would only use up the hang guard.
    const refused = new Promise((_, reject) => page.on('console', (message) => {
      if (message.text().startsWith('Wrong widget protocol version')) reject(new Error(message.text()));
    }));
    refused.catch(() => {});
    await session.run('an IntSlider renders and moving it changes the value in the kernel', async () => {
      const { cell } = await runCell(page, index++, 'import ipywidgets\nslider = ipywidgets.IntSlider(value=3, max=10)\nslider');
      await assertNoError(cell, 'the slider cell');
      const handle = cell.locator('.widget-slider .noUi-handle, .widget-slider .ui-slider-handle').first();
      await Promise.race([handle.waitFor({ state: 'visible' }), refused]);
      await handle.focus();
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      await cell.locator('.widget-readout', { hasText: '5' }).waitFor();
      await screenshot(page, options, 'jupyterlab-slider.png');
      const run = await runCell(page, index++, 'slider.value');
      check(await resultText(run.cell) === '5', `slider.value is ${await resultText(run.cell)}`);
    });

    await session.run('tqdm.auto draws a widget progress bar', async () => {
      const { cell } = await runCell(page, index++, 'from tqdm.auto import tqdm\nfor _ in tqdm(range(3)):\n    pass');
      const text = await cell.locator('.jp-OutputArea').innerText();
      check(!text.includes('IProgress not found'), `tqdm fell back to text:\n${text}`);
      await cell.locator('.widget-hprogress, .progress').first().waitFor({ state: 'visible' });
    });
  },

  'kernel-menu': async (session, page) => {
    let index = 0;
    await openFromLauncher(session, page);
    // A module that imports torch, says so in a file the server lists, then waits: a cell
    // using it is resolving a deferred import, with torch loaded, for as long as the test
    // needs, whatever the machine's speed. Each step starts from a kernel without torch
    // (the restart comes first), so each catches a cell that imported torch for the module.
    const deferSlowModule = async () => {
      const code = 'import sys, tempfile, pathlib\n'
        + 'plugin_dir = pathlib.Path(tempfile.mkdtemp())\n'
        + "(plugin_dir / 'slow_model.py').write_text(\"import torch, time, pathlib\\n"
        + "pathlib.Path('torch-imported.txt').touch()\\ntime.sleep(600)\\n\")\n"
        + 'sys.path.insert(0, str(plugin_dir))\n'
        + 'import slow_model';
      const { cell } = await runCell(page, index++, code);
      await assertNoError(cell, 'writing slow_model.py');
    };

    const marker = `${options.url}api/contents/torch-imported.txt?token=${options.token}`;
    const startResolving = async () => {
      await page.request.delete(marker);
      const cell = await typeInto(page, index++, 'slow_model.torch.zeros(3)');
      await page.keyboard.press('Shift+Enter');
      await cell.locator('.jp-InputArea-prompt', { hasText: '[*]' }).waitFor();
      // Poll the server until torch is in and the module is waiting.
      for (;;) {
        if ((await page.request.get(marker)).ok()) return cell;
        await page.waitForTimeout(200);
      }
    };

    await session.run('Kernel > Restart Kernel… while a cell resolves torch; the kernel runs cells again', async () => {
      await deferSlowModule();
      // The restart interrupts the cell first, and the old kernel's idle must not pass for
      // the new kernel being ready: wait for the kernel to have gone through "restarting".
      const before = await page.evaluate(() => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        window.xlazyKernelRestarted = false;
        kernel.statusChanged.connect((_, status) => {
          if (status === 'restarting') window.xlazyKernelRestarted = true;
        });
        return kernel.id;
      });
      await startResolving();
      await menu(page, 'Kernel', 'Restart Kernel…');
      await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
      await page.waitForFunction(() => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel;
        return window.xlazyKernelRestarted && kernel?.status === 'idle';
      });
      const after = await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.id);
      check(after === before, 'a restart keeps the kernel id');
      const run = await runCell(page, index++, "'slow_model' in dir()");
      check(run.executionCount === 1, `the first cell after the restart is [${run.executionCount}]`);
      check(await resultText(run.cell) === 'False', 'the namespace survived the restart');
    });

    await session.run('Kernel > Interrupt Kernel while a cell resolves torch', async () => {
      await deferSlowModule();
      const cell = await startResolving();
      await menu(page, 'Kernel', 'Interrupt Kernel');
      await cell.locator('.jp-InputArea-prompt').filter({ hasText: /\[\d+\]/ }).waitFor();
      await cell.locator('.jp-OutputArea', { hasText: 'KeyboardInterrupt' }).waitFor();
      await waitForKernelIdle(page);
      const { cell: status } = await runCell(page, index++, '%lazy status');
      // The interrupted import did not complete: the name stays unresolved and the next use retries.
      const row = rowFor((await lazyStatusRows(status)).rows, 'slow_model');
      check(/^(pending|failed)\b/.test(row.state), `slow_model is ${JSON.stringify(row)} after the interrupt`);
      await screenshot(page, options, 'jupyterlab-kernel-menu.png');
    });
  },
};

async function openFromLauncher(session, page) {
  await session.run('open JupyterLab', async () => {
    const response = await page.goto(`${options.url}lab?reset&token=${options.token}`);
    check(response.ok(), `/lab answered ${response.status()}`);
  });
  await session.run('clicking the card opens a notebook on xlazy', async () => {
    await page.locator(`.jp-LauncherCard[data-category="Notebook"][title="${DISPLAY_NAME}"]`).click();
    await activeNotebook(page).locator('.jp-KernelName', { hasText: DISPLAY_NAME }).waitFor();
    await waitForKernelIdle(page);
    check(await kernelImplementation(page) === KERNEL_NAME, 'the kernel does not call itself xlazy');
  });

}

check(parts[options.part], `--part must be one of ${Object.keys(parts).join(', ')}`);
await runScenario(`jupyterlab-${options.part}`, options, (context, session) => parts[options.part](session, session.page));
