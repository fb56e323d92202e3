/** The REST client: every call carries the session's API key; every error becomes an
 * ApiError whose message a person can read. */

export const API = "/api/v1";
const KEY_ITEM = "heurist.apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly row: number | null = null,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

/** The readable message of an error body: `detail` (already says row and field), else the
 * status text. */
export function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail[0]?.msg) return String(detail[0].msg);
  }
  if (status === 0) return "The server cannot be reached. Check your connection and retry.";
  if (status >= 500) return `The server failed (${status}). Retry, or look at its log.`;
  return `Request failed (${status}).`;
}

async function failure(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const b = (body ?? {}) as { row?: number | null; field?: string | null };
  return new ApiError(errorMessage(response.status, body), response.status, b.row ?? null,
    b.field ?? null);
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string,
  options: { query?: Query; json?: unknown; form?: FormData; key?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  const key = options.key ?? storedKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let response: Response;
  try {
    response = await fetch(API + withQuery(path, options.query), {
      method, headers, body, signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(errorMessage(0, null), 0);
  }
  if (response.status === 401 && !options.key) {
    storeKey(null);
    window.dispatchEvent(new Event("heurist:signed-out"));
  }
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) =>
  request<T>("GET", path, { query, signal });
export const post = <T>(path: string, json?: unknown) => request<T>("POST", path, { json });
export const patch = <T>(path: string, json: unknown) => request<T>("PATCH", path, { json });
export const put = <T>(path: string, json: unknown) => request<T>("PUT", path, { json });
export const del = (path: string, query?: Query) => request<void>("DELETE", path, { query });

/** Download with the API key (a plain link cannot send it). */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(API + path, { headers: { Authorization: `Bearer ${storedKey()}` } });
  if (!response.ok) throw new ApiError(`Download failed (${response.status}).`, response.status);
  saveBlob(await response.blob(), filename);
}

/** Hand the browser a file to save. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** POST a multipart form with upload progress (fetch cannot report it). */
export function upload<T>(path: string, form: FormData,
  onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", API + path);
    const key = storedKey();
    if (key) xhr.setRequestHeader("Authorization", `Bearer ${key}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else {
        const b = (body ?? {}) as { row?: number | null; field?: string | null };
        reject(new ApiError(errorMessage(xhr.status, body), xhr.status, b.row ?? null,
          b.field ?? null));
      }
    };
    xhr.onerror = () => reject(new ApiError(errorMessage(0, null), 0));
    xhr.send(form);
  });
}
