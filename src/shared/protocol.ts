/**
 * The one message protocol between the run panel's host (src/extension) and its webview
 * (src/webview). Types only: both bundles import it, neither imports the other.
 */

/** Webview → host. Untrusted: the host validates every message (see isWebviewMessage). */
export type WebviewToHost = { readonly type: 'ready' };

/** Host → webview. */
export type HostToWebview = { readonly type: 'snapshot'; readonly title: string };

export function isWebviewMessage(value: unknown): value is WebviewToHost {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'ready';
}
