// tinysync/reconcile — datastoresync's reconcile of keyed collections: what the source has
// that the target lacks, and the other way round.
export { describe, type Action, type ActionItem, type ActionKind, type Branch, type Id, type Item } from './action.js';
export { apply, type ActionHandler, type ApplyReport, type Handlers, type KindHandlers } from './apply.js';
export { parseCsv } from './csv.js';
export { CsvError, ReconcileError } from './errors.js';
export { importers, type Converter, type ImportOptions } from './importers.js';
export { clear, reconcile, type ReconcileOptions } from './reconcile.js';
export { DefaultTemplate, type DefaultTemplateOptions, type Template } from './template.js';
