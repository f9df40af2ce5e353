/**
 * Options every Deploy Guard quick pick shares.
 *
 * `ignoreFocusOut`: when the command palette closes, VS Code hands focus back to the active
 * editor, and a run panel (a webview) takes it a moment later — which closes a quick pick that
 * opened in between (microsoft/vscode#93950). A picker that stays until Escape or a choice
 * is the lesser evil: the user asked for it and can always dismiss it.
 */
export const PICKER_OPTIONS = { ignoreFocusOut: true } as const;
