/**
 * The run panel's HTML, built in exactly one place, so its CSP and nonce are reviewed in one file.
 * No `vscode` import: the host passes the webview's URIs and CSP source, so this is unit-tested.
 *
 * CSP: `default-src 'none'`; scripts only with this load's nonce (no inline script exists);
 * styles, fonts and images only from the webview's own resource origin. No 'unsafe-inline',
 * no 'unsafe-eval', no network.
 */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlInput {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/webview/main.js)`. */
  readonly scriptUri: string;
  /** `webview.asWebviewUri(media/panel.css)`. */
  readonly styleUri: string;
  /**
   * `webview.asWebviewUri(dist/webview/main.css)`: the stylesheets the webview bundle imports (the
   * chart library's), which esbuild writes beside main.js. A link, like panel.css: the CSP takes
   * styles from the webview's resource origin only.
   */
  readonly bundleStyleUri?: string;
  readonly title: string;
  /** Only tests pass one; otherwise a fresh 128-bit nonce per load. */
  readonly nonce?: string;
}

export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

export function buildPanelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? createNonce();
  const csp = contentSecurityPolicy(input.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${
  input.bundleStyleUri
    ? `<link rel="stylesheet" href="${escapeHtml(input.bundleStyleUri)}">
`
    : ''
}<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>${escapeHtml(input.title)}</title>
</head>
<body>
<div id="root"><p class="empty">Loading the run…</p></div>
<script type="module" nonce="${escapeHtml(nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
