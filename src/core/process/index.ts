/**
 * The only module in src/ that starts processes. Everything here takes an argument array (never
 * a shell string), runs the child in its own process group with stdin closed, and kills the
 * whole group on cancel or timeout.
 */
export { runProcess } from './runProcess';
export type { RunProcessOptions, ProcessOutcome, OutputStream } from './runProcess';
export { captureProcess } from './captureProcess';
export type { CapturedProcess } from './captureProcess';
export { LineSplitter, DEFAULT_MAX_LINE_LENGTH, cutMarker } from './lineSplitter';
export { killProcessGroup, processGroupAlive, processIdentity, endRecordedProcessGroup } from './processGroup';
export type { ProcessIdentity, GroupEnding } from './processGroup';
