/** The code a new computed attribute starts from. */
import type { Attribute, AttributeType } from "../types";

/** The type of the value the starter code returns. */
export const STARTER_TYPE: AttributeType = "integer";

/** ``def ac(record):`` giving the number of words of the project's first text attribute
 * (without one, no value), with a comment on how the code reads a record. */
export function starterSource(attributes: Attribute[]): string {
  const text = attributes.find((a) => a.data_type === "text");
  if (!text) {
    return "def ac(record):\n"
      + "    # record[\"name\"] is the record's value of the attribute \"name\"\n"
      + "    return None\n";
  }
  const key = JSON.stringify(text.name);   // a Python string literal as well
  return "def ac(record):\n"
    + `    # the number of words of ${key}; None leaves the record without a value\n`
    + `    text = record[${key}]\n`
    + "    return len(text.split()) if text else None\n";
}
