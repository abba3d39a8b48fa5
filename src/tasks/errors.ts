import { TinysyncError } from '../core/index.js';

/** A ProgressTracker was given a container it cannot keep tasks in, or a reserved field. */
export class TaskError extends TinysyncError {
  override name = 'TaskError';
  constructor(code: 'E_TASK_CONTAINER' | 'E_TASK_FIELD', message: string, key?: string) {
    super(code, `tinysync: ${message}`, key === undefined ? [] : [key]);
  }
}
