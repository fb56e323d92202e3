/** The form of a new computed attribute: its name, type and code (starting from an
 * example over the project's attributes), tried on records before "Create and compute". */
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError, post } from "../api";
import type { Attribute, AttributeType } from "../types";
import { Button, Field } from "../ui";
import { AttributeCode } from "./AttributeCode";
import { useKeepAttribute } from "./live";
import { STARTER_TYPE, starterSource } from "./starter";
import { useCodeDraft } from "../heuristics/useCodeDraft";

const ATTRIBUTE_TYPES: AttributeType[] = ["text", "category", "integer", "float", "boolean"];

/** The draft of the code of the attribute not created yet. */
const NEW_DRAFT = "attribute-new";

export function NewAttribute({ projectId, attributes, onCreated, onClose }: {
  projectId: number; attributes: Attribute[]; onCreated: (id: number) => void; onClose: () => void;
}) {
  const keep = useKeepAttribute(projectId);
  const draft = useCodeDraft(projectId, NEW_DRAFT, starterSource(attributes), true);
  const [name, setName] = useState("");
  const [dataType, setDataType] = useState<AttributeType>(STARTER_TYPE);
  const create = useMutation({
    mutationFn: (source: string) => post<Attribute>(`/projects/${projectId}/attributes/computed`,
      { name: name.trim(), data_type: dataType, source }),
    onSuccess: (made) => { keep(made); draft.drop(); onCreated(made.id); },
  });
  // a refusal is shown next to the field it names
  const field = create.error instanceof ApiError ? create.error.field : null;
  const errorOf = (names: string[]) => (field !== null && names.includes(field) ? create.error : null);
  return (
    <form className="panel" aria-label="new computed attribute"
      onSubmit={(e) => { e.preventDefault(); create.mutate(draft.source); }}>
      <div className="panel-head">
        <h2>New computed attribute</h2>
        <span className="small muted">its code gives each record's value from the record's other attributes</span>
        <span className="spacer" />
        <Button small variant="ghost" onClick={onClose}>Close</Button>
      </div>
      <div className="panel-body stack">
        <div className="grid2">
          <Field label="Name" hint={errorOf(["name"])
            ? <span className="field-error" role="alert">{(create.error as Error).message}</span>
            : `Labeling functions read it as record[${JSON.stringify(name.trim() || "name")}]; the data browser shows it as a column.`}>
            <input className="input" value={name} onChange={(e) => setName(e.target.value)} aria-label="Attribute name"
              aria-invalid={Boolean(errorOf(["name"]))} placeholder="e.g. n_words" required />
          </Field>
          <Field label="Type" hint={errorOf(["data_type"])
            ? <span className="field-error" role="alert">{(create.error as Error).message}</span>
            : "The values the code returns are stored as this type (None: no value)."}>
            <select className="select" value={dataType} onChange={(e) => setDataType(e.target.value as AttributeType)}
              aria-label="Attribute type">
              {ATTRIBUTE_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </Field>
        </div>
        <AttributeCode projectId={projectId} draft={draft} dataType={dataType} names={attributes.map((a) => a.name)}
          canEdit canTry discardLabel="Discard and start from the example"
          refused={errorOf(["name", "data_type"]) ? undefined : { error: create.error, source: create.variables }}
          actions={<Button type="submit" variant="primary" busy={create.isPending} disabled={!name.trim()}>
            Create and compute</Button>} />
      </div>
    </form>
  );
}
