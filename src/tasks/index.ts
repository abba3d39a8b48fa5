// tinysync/tasks — a persistent ProgressTracker (tastypy) over any tracked container.
export { ProgressTracker, type ProgressTrackerOptions, type TaskRecord, type TaskStatus, type TaskValue } from './progress-tracker.js';
export { TaskError } from './errors.js';
