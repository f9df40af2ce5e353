/** The pipeline's steps: status and duration of each. */
import type { StepView } from '../../shared/protocol';
import { el } from '../dom';
import { formatDuration } from '../format';
import { stepStatus } from '../status';
import { createProgressRing } from '../toolkit';

export class StepsView {
  readonly element = el('ol', 'steps');

  update(steps: readonly StepView[], now: number): void {
    this.element.hidden = steps.length === 0;
    this.element.replaceChildren(
      ...steps.map((step, index) => {
        const { icon, tone } = stepStatus(step.status);
        const item = el('li', `step tone-${tone}`);
        item.dataset.status = step.status;
        item.dataset.index = String(index);
        const mark = step.status === 'running' ? createProgressRing() : el('span', 'step-icon', icon);
        mark.classList.add('step-mark');
        const end = step.finishedAt ?? (step.status === 'running' ? now : undefined);
        const duration = step.startedAt !== undefined && end !== undefined ? formatDuration(end - step.startedAt) : '';
        const exit = step.exitCode !== undefined && step.exitCode !== 0 ? ` · exit ${step.exitCode}` : '';
        item.append(mark, el('span', 'step-name', step.name), el('span', 'step-duration', `${duration}${exit}`));
        item.title = `${step.name}: ${step.status}`;
        return item;
      }),
    );
  }
}
