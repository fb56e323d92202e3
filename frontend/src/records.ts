/** Records of a filtered list, fetched page by page as the table scrolls to them. */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { get, type Query } from "./api";
import type { RecordRow } from "./types";

interface RecordsPage { data: RecordRow[] }
interface RecordCount { count: number; count_capped?: boolean }

export const PAGE_SIZE = 200;

export function usePagedRecords(projectId: number, query: Query) {
  const client = useQueryClient();
  const key = JSON.stringify(query);
  const [pages, setPages] = useState<Map<number, RecordRow[]>>(new Map());
  const [count, setCount] = useState<number | null>(null);
  const [countCapped, setCountCapped] = useState(false);
  const [loadingPages, setLoadingPages] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const loading = useRef(new Set<number>());
  const generation = useRef(0);

  /** ``fresh``: read from the server even when the cache holds it from a moment ago */
  const fetchPage = useCallback((page: number, fresh = false) => client.fetchQuery({
    queryKey: ["projects", projectId, "records", key, page],
    // pages come uncounted: the count is asked for apart, so the first page shows before it
    queryFn: () => get<RecordsPage>(`/projects/${projectId}/records`,
      { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE, count: "none" }),
    staleTime: fresh ? 0 : 5_000,
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [client, projectId, key]);

  const loadCount = useCallback(() => {
    const mine = generation.current;
    const filter: Query = { ...query, count: "exact" };
    delete filter.sort;
    delete filter.seed;
    client.fetchQuery({
      queryKey: ["projects", projectId, "records", key, "count"],
      queryFn: () => get<RecordCount>(`/projects/${projectId}/records/count`, filter),
      staleTime: 5_000,
    }).then((result) => {
      if (mine !== generation.current) return;
      setCount(result.count);
      setCountCapped(!!result.count_capped);
    }).catch((failure) => {
      if (mine === generation.current) setError(failure);
    });
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, projectId, key]);

  /** Ask for a page; ``fresh``: the first page read again, the rows read before it (of
   * another generation) shown until it comes, then dropped. */
  const load = useCallback((page: number, fresh = false) => {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    const mine = generation.current;
    setLoadingPages((n) => n + 1);
    fetchPage(page).then((result) => {
      if (mine !== generation.current) return;
      setPages((all) => (fresh ? new Map([...all].filter(([p]) => p !== page && loading.current.has(p)))
        : new Map(all)).set(page, result.data));
    }).catch((failure) => {
      if (mine === generation.current) setError(failure);
      loading.current.delete(page);
    }).finally(() => setLoadingPages((n) => n - 1));
  }, [fetchPage]);

  useEffect(() => {
    generation.current += 1;
    loading.current = new Set();
    setPages(new Map());
    setCount(null);
    setCountCapped(false);
    setError(null);
    load(0);
    loadCount();
  }, [load, loadCount]);

  /** Ask for the pages that hold rows ``from``..``to``. */
  const ensure = useCallback((from: number, to: number) => {
    for (let page = Math.floor(from / PAGE_SIZE); page <= Math.floor(to / PAGE_SIZE); page++) {
      if (!pages.has(page)) load(page);
    }
  }, [pages, load]);

  const row = useCallback((index: number): RecordRow | undefined =>
    pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE], [pages]);

  const reload = useCallback(() => {
    void client.invalidateQueries({ queryKey: ["projects", projectId, "records"] });
    generation.current += 1;
    loading.current = new Set();
    // the rows on screen stay until the first page comes again: no flash of empty rows
    load(0, true);
    loadCount();
  }, [client, projectId, load, loadCount]);

  /** Read again, in place, the pages that hold the record ``recordId`` (what its row shows
   * changed, not which rows the list holds); null: the list is read again. */
  const refreshRecord = useCallback((recordId: number | null) => {
    if (recordId === null) {
      reload();
      return;
    }
    const mine = generation.current;
    for (const [page, rows] of pages) {
      if (!rows.some((r) => r.id === recordId)) continue;
      fetchPage(page, true).then((result) => {
        if (mine !== generation.current) return;
        setPages((all) => (all.has(page) ? new Map(all).set(page, result.data) : all));
      }).catch(() => {
        // the row keeps what it showed; the next reading of the list brings it
      });
    }
  }, [pages, reload, fetchPage]);

  return { count, countCapped, loading: loadingPages > 0, row, ensure, error, reload, refreshRecord, fetchPage };
}
