/** The import's options as the page holds them, and the form fields they are sent as. */

export interface ImportOptions {
  delimiter: string; // "" sniffs it
  header: "auto" | "yes" | "no";
  encoding: string; // "" or "auto" detects it
  generateIds: boolean;
  constants: { key: string; value: string }[];
}

/** What rows whose id names a record of the project do: the server refuses the file, skips
 * them, or updates those records' values. */
export type Existing = "refuse" | "skip" | "update";

export interface LabelColumn {
  column: string;
  taskId: number | null;
  /** Instead of a task: the name of a new one made of the column's values (multi-label with
   * a separator). */
  newTask: string | null;
  gold: boolean;
  separator: string;
}

export const DEFAULT_OPTIONS: ImportOptions = {
  delimiter: "", header: "auto", encoding: "", generateIds: false, constants: [],
};

export const NO_LABELS: LabelColumn = { column: "", taskId: null, newTask: null, gold: false, separator: "" };

/** The label column has somewhere to go: a task, or a new task's name. */
export function hasTask(labels: LabelColumn): boolean {
  return labels.taskId !== null || !!labels.newTask?.trim();
}

/** Form fields of the options and the label column; empty ones are left out, and the label
 * column only goes with a task (or a new task's name). */
export function optionFields(options: ImportOptions, labels: LabelColumn): Record<string, string> {
  const fields: Record<string, string> = {};
  if (options.delimiter) fields.delimiter = options.delimiter;
  if (options.header !== "auto") fields.header = options.header;
  if (options.encoding.trim() && options.encoding.trim() !== "auto") fields.encoding = options.encoding.trim();
  if (options.generateIds) fields.generate_ids = "true";
  const constants = Object.fromEntries(options.constants.filter((c) => c.key.trim())
    .map((c) => [c.key.trim(), c.value]));
  if (Object.keys(constants).length) fields.constants = JSON.stringify(constants);
  if (labels.column && hasTask(labels)) {
    fields.label_column = labels.column;
    if (labels.taskId !== null) fields.label_task_id = String(labels.taskId);
    else fields.label_task_name = labels.newTask!.trim();
    if (labels.gold) fields.label_as_gold = "true";
    if (labels.separator) fields.label_separator = labels.separator;
  }
  return fields;
}
