import { DEFAULT_OPTIONS, NO_LABELS, optionFields } from "./importOptions";

describe("import option fields", () => {
  it("sends nothing for the defaults", () => {
    expect(optionFields(DEFAULT_OPTIONS, NO_LABELS)).toEqual({});
  });

  it("sends what was chosen, constants as one JSON object without empty keys", () => {
    const options = {
      delimiter: "\t", header: "no" as const, encoding: " latin-1 ", generateIds: true,
      constants: [{ key: "split", value: "test" }, { key: " ", value: "x" }, { key: "source ", value: "a.csv" }],
    };
    expect(optionFields(options, NO_LABELS)).toEqual({
      delimiter: "\t", header: "no", encoding: "latin-1", generate_ids: "true",
      constants: '{"split":"test","source":"a.csv"}',
    });
  });

  it("sends the label column only with its task", () => {
    expect(optionFields(DEFAULT_OPTIONS, { ...NO_LABELS, column: "sentiment" })).toEqual({});
    expect(optionFields(DEFAULT_OPTIONS, { column: "tags", taskId: 3, newTask: null, gold: true, separator: "|" })).toEqual({
      label_column: "tags", label_task_id: "3", label_as_gold: "true", label_separator: "|",
    });
  });

  it("sends a new task's name instead of a task, never a blank one", () => {
    expect(optionFields(DEFAULT_OPTIONS, { ...NO_LABELS, column: "label", newTask: " sentiment " })).toEqual({
      label_column: "label", label_task_name: "sentiment",
    });
    expect(optionFields(DEFAULT_OPTIONS, { ...NO_LABELS, column: "label", newTask: "  " })).toEqual({});
  });
});
