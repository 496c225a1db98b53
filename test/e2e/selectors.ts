// The only module that knows the workbench's DOM. VS Code's markup is internal and changes between
// releases, so every selector lives here (checked against VS Code 1.100.3 in code-server 4.100.3) and
// tests speak in user terms: view containers, views, tree items, commands, notifications.
import type { FrameLocator, Locator, Page } from 'playwright-core';

export const SELECTORS = {
  workbench: '.monaco-workbench',
  activityBar: '.monaco-workbench .part.activitybar',
  /** An activity-bar entry's clickable element; its aria-label is the title, plus " (keybinding)" for some. */
  activityBarAction: 'a.action-label',
  sideBar: '.monaco-workbench .part.sidebar',
  sideBarTitle: '.monaco-workbench .part.sidebar .composite.title h2',
  pane: '.monaco-workbench .pane',
  paneHeaderTitle: '.pane-header h3.title',
  /** Visible rows of a tree; the sticky-scroll copies of rows live elsewhere and are excluded. */
  treeRow: '.monaco-list-rows > .monaco-list-row[role="treeitem"]',
  treeRowLabel: '.monaco-icon-label .label-name',
  treeRowDescription: '.monaco-icon-label .label-description',
  treeTwistie: '.monaco-tl-twistie',
  statusBar: '.monaco-workbench .part.statusbar',
  statusBarItem: '.statusbar-item',
  notificationToast: '.notifications-toasts .notification-toast',
  notificationMessage: '.notification-list-item-message',
  notificationButton: '.notification-list-item-buttons-container .monaco-button',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .quick-input-list .monaco-list-row',
  quickInputRowLabel: '.label-name',
  /** The validation message under the quick input box (an input box's validateInput text). */
  quickInputMessage: '.quick-input-widget .quick-input-message',
  contextMenuItem: '.context-view .monaco-menu .action-item a.action-menu-item',
  webviewFrame: 'iframe.webview',
  /** The frame inside a webview's outer iframe that holds the extension's HTML. */
  webviewContentFrame: 'iframe#active-frame',
  /** A modal dialog (showWarningMessage with modal: true), drawn by the workbench in the browser. */
  dialog: '.monaco-dialog-box',
  dialogMessage: '.monaco-dialog-box .dialog-message-text',
  dialogButton: '.monaco-dialog-box .dialog-buttons .monaco-button',
  editorTab: '.editor-group-container .tabs-container .tab',
  editorTabLabel: '.label-name',
  diffEditor: '.monaco-diff-editor',
} as const;

const DEFAULT_TIMEOUT = 15_000;

function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** CSS attribute values are quoted; escape what would end the quotes. */
function cssString(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

function activityBarActionSelector(title: string): string {
  const a = SELECTORS.activityBarAction;
  return `${a}[aria-label=${cssString(title)}], ${a}[aria-label^=${cssString(`${title} (`)}]`;
}

/** The activity-bar entry of a view container, by its title (e.g. "Explorer", "Slipway"). */
export function activityBarItem(page: Page, title: string): Locator {
  return page.locator(SELECTORS.activityBar).locator(activityBarActionSelector(title)).first();
}

/** Shows a view container in the side bar. Clicking an already selected entry would hide the side bar. */
export async function openViewContainer(page: Page, title: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const action = activityBarItem(page, title);
  await action.waitFor({ state: 'visible', timeout });
  const selectedTab = page
    .locator(`${SELECTORS.activityBar} li[aria-selected="true"]`)
    .filter({ has: page.locator(activityBarActionSelector(title)) });
  const sideBarVisible = await page.locator(SELECTORS.sideBar).isVisible();
  if (!sideBarVisible || (await selectedTab.count()) === 0) {
    await action.click({ timeout });
    // Leave the pointer in a corner, or the entry's hover label lingers in every later screenshot.
    await page.mouse.move(0, 0);
  }
  await selectedTab.waitFor({ timeout });
  await page.locator(SELECTORS.sideBar).waitFor({ state: 'visible', timeout });
}

/** A view (pane) by the name shown in its header, in the side bar, panel or secondary side bar. */
export function viewPane(page: Page, viewTitle: string): Locator {
  return page
    .locator(SELECTORS.pane)
    .filter({ has: page.locator(SELECTORS.paneHeaderTitle).filter({ hasText: exactly(viewTitle) }) });
}

/** Opens a view of the container that starts collapsed (Releases, Port Forwards, Events); a no-op when open. */
export async function expandViewPane(
  page: Page,
  viewTitle: string,
  timeout = DEFAULT_TIMEOUT,
): Promise<void> {
  const header = viewPane(page, viewTitle).locator('.pane-header').first();
  await header.waitFor({ timeout });
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

export function treeRows(page: Page, viewTitle: string): Locator {
  return viewPane(page, viewTitle).locator(SELECTORS.treeRow);
}

/** One tree row by its label (not its description). */
export function treeItem(page: Page, viewTitle: string, label: string): Locator {
  return treeRows(page, viewTitle)
    .filter({ has: page.locator(SELECTORS.treeRowLabel).filter({ hasText: exactly(label) }) })
    .first();
}

/**
 * Labels of the rows the tree has rendered, top to bottom. Trees are virtualised: rows scrolled out of
 * view are absent, so keep views small or scroll before asking.
 */
export async function treeItemLabels(
  page: Page,
  viewTitle: string,
  timeout = DEFAULT_TIMEOUT,
): Promise<string[]> {
  const rows = treeRows(page, viewTitle);
  await rows.first().waitFor({ timeout });
  const labels = await rows.locator(SELECTORS.treeRowLabel).allTextContents();
  return labels.map((l) => l.trim());
}

/** Waits until the view shows exactly these labels (in order), then returns them. */
export async function waitForTreeItemLabels(
  page: Page,
  viewTitle: string,
  expected: readonly string[],
  timeout = DEFAULT_TIMEOUT,
): Promise<string[]> {
  const deadline = Date.now() + timeout;
  let last: string[] = [];
  for (;;) {
    last = await treeRows(page, viewTitle)
      .locator(SELECTORS.treeRowLabel)
      .allTextContents()
      .then((ls) => ls.map((l) => l.trim()));
    if (last.length === expected.length && last.every((l, i) => l === expected[i])) return last;
    if (Date.now() > deadline)
      throw new Error(`view "${viewTitle}" shows [${last.join(', ')}], expected [${expected.join(', ')}]`);
    await page.waitForTimeout(100);
  }
}

/**
 * Expands a tree item (no-op when already expanded) and waits until its children are rendered, or until
 * it turns out to have none. The tree marks the row expanded before the extension host has answered
 * getChildren, so waiting for `aria-expanded` alone races with the children arriving.
 */
export async function expandTreeItem(
  page: Page,
  viewTitle: string,
  label: string,
  timeout = DEFAULT_TIMEOUT,
): Promise<void> {
  const row = treeItem(page, viewTitle, label);
  await row.waitFor({ timeout });
  const state = await row.getAttribute('aria-expanded');
  if (state === null) throw new Error(`tree item "${label}" in "${viewTitle}" cannot be expanded`);
  // The twistie only toggles; clicking the label would also run the item's command.
  if (state === 'false') await row.locator(SELECTORS.treeTwistie).click({ timeout });
  const deadline = Date.now() + timeout;
  for (;;) {
    const expanded = await row.getAttribute('aria-expanded');
    // A node whose getChildren came back empty becomes a leaf and loses the attribute.
    if (expanded === null) return;
    if (expanded === 'true') {
      // Rows are positioned by data-index, not DOM order: the child, if any, is the row at index + 1.
      const index = Number(await row.getAttribute('data-index'));
      const level = Number(await row.getAttribute('aria-level'));
      const next = treeRows(page, viewTitle).and(page.locator(`[data-index="${index + 1}"]`));
      if ((await next.count()) > 0 && Number(await next.first().getAttribute('aria-level')) > level) return;
    }
    if (Date.now() > deadline)
      throw new Error(
        `tree item "${label}" in "${viewTitle}" did not show its children within ${timeout} ms`,
      );
    await page.waitForTimeout(50);
  }
}

/**
 * A status-bar item by its DOM id, which VS Code builds as `<publisher>.<extension name>.<item id>` for
 * items made with `createStatusBarItem(id, …)`.
 */
export function statusBarItem(page: Page, id: string): Locator {
  return page.locator(SELECTORS.statusBar).locator(`${SELECTORS.statusBarItem}[id=${cssString(id)}]`);
}

export function statusBarItemByText(page: Page, text: string | RegExp): Locator {
  return page.locator(SELECTORS.statusBar).locator(SELECTORS.statusBarItem).filter({ hasText: text }).first();
}

export function notificationToasts(page: Page): Locator {
  return page.locator(SELECTORS.notificationToast);
}

/** The toast whose message contains `text`. */
export function notification(page: Page, text: string | RegExp): Locator {
  return notificationToasts(page)
    .filter({ has: page.locator(SELECTORS.notificationMessage).filter({ hasText: text }) })
    .first();
}

export async function notificationMessages(page: Page): Promise<string[]> {
  const texts = await notificationToasts(page).locator(SELECTORS.notificationMessage).allTextContents();
  return texts.map((t) => t.trim());
}

export function quickInput(page: Page): Locator {
  return page.locator(SELECTORS.quickInput);
}

export function quickInputRows(page: Page): Locator {
  return page.locator(SELECTORS.quickInputRow);
}

/** Runs a command the way a user does: F1, type its title as shown in the palette, pick that exact row. */
export async function runCommand(page: Page, commandTitle: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const widget = quickInput(page);
  if (await widget.isVisible()) await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const box = page.locator(SELECTORS.quickInputBox);
  await box.waitFor({ state: 'visible', timeout });
  await box.fill(`>${commandTitle}`);
  const row = quickInputRows(page)
    .filter({ has: page.locator(SELECTORS.quickInputRowLabel).filter({ hasText: exactly(commandTitle) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click({ timeout });
  await widget.waitFor({ state: 'hidden', timeout });
}

/**
 * Runs a command that opens a quick input of its own (a picker or an input box) and returns once that is
 * showing. The palette's widget is reused for it, so waiting for the widget to hide (as `runCommand`
 * does) races the command; the palette's '>' prefix leaving the box does not.
 */
export async function runCommandWithInput(
  page: Page,
  commandTitle: string,
  timeout = DEFAULT_TIMEOUT,
): Promise<void> {
  const widget = quickInput(page);
  if (await widget.isVisible()) await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const box = page.locator(SELECTORS.quickInputBox);
  await box.waitFor({ state: 'visible', timeout });
  await box.fill(`>${commandTitle}`);
  const row = quickInputRows(page)
    .filter({ has: page.locator(SELECTORS.quickInputRowLabel).filter({ hasText: exactly(commandTitle) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click({ timeout });
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = (await widget.isVisible()) ? await box.inputValue() : '>';
    if (!value.startsWith('>')) return;
    if (Date.now() > deadline) throw new Error(`"${commandTitle}" did not open its own quick input`);
    await page.waitForTimeout(50);
  }
}

/** Right-clicks a tree row and chooses an entry of its context menu, as a user does. */
export async function treeItemContextAction(
  page: Page,
  viewTitle: string,
  label: string,
  action: string,
  timeout = DEFAULT_TIMEOUT,
): Promise<void> {
  // A menu or quick input left open by an earlier step would swallow the right-click.
  await page.keyboard.press('Escape');
  await treeItem(page, viewTitle, label).click({ button: 'right', timeout });
  const item = page
    .locator(SELECTORS.contextMenuItem)
    .filter({ hasText: exactly(action) })
    .first();
  await item.waitFor({ state: 'visible', timeout });
  // A click can land while the menu is still settling and be taken as a hover; hovering focuses the
  // entry and Enter runs it, which the menu honours every time.
  await item.hover({ timeout });
  await page.keyboard.press('Enter');
  await item.waitFor({ state: 'hidden', timeout });
  // The pointer would rest on the tree and its hover would cover later screenshots.
  await page.mouse.move(0, 0);
}

/** Types into the open quick input (input box or quick pick) and presses Enter. */
export async function answerQuickInput(page: Page, text: string, timeout = DEFAULT_TIMEOUT): Promise<void> {
  const box = page.locator(SELECTORS.quickInputBox);
  await box.waitFor({ state: 'visible', timeout });
  await box.fill(text);
  await page.keyboard.press('Enter');
}

/** The button of the open modal dialog with this label. */
export function dialogButton(page: Page, label: string): Locator {
  return page
    .locator(SELECTORS.dialogButton)
    .filter({ hasText: exactly(label) })
    .first();
}

/** An editor tab by (part of) its title. */
export function editorTab(page: Page, title: string | RegExp): Locator {
  return page
    .locator(SELECTORS.editorTab)
    .filter({ has: page.locator(SELECTORS.editorTabLabel).filter({ hasText: title }) })
    .first();
}

/** The content of the first webview panel, where its HTML lives (two iframes deep). */
export function webviewContent(page: Page): FrameLocator {
  return page.frameLocator(SELECTORS.webviewFrame).first().frameLocator(SELECTORS.webviewContentFrame);
}
