/** Records of a filtered list, fetched page by page as the table scrolls to them. */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { get, type Query } from "./api";
import type { RecordRow } from "./types";

interface RecordsPage { data: RecordRow[]; count: number | null; count_capped?: boolean }

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

  const fetchPage = useCallback((page: number) => client.fetchQuery({
    queryKey: ["projects", projectId, "records", key, page],
    // the first page counts; the others need not
    queryFn: () => get<RecordsPage>(`/projects/${projectId}/records`,
      { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE, count: page === 0 ? "exact" : "none" }),
    staleTime: 5_000,
  // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [client, projectId, key]);

  const load = useCallback((page: number) => {
    if (loading.current.has(page)) return;
    loading.current.add(page);
    const mine = generation.current;
    setLoadingPages((n) => n + 1);
    fetchPage(page).then((result) => {
      if (mine !== generation.current) return;
      if (result.count !== null) {
        setCount(result.count);
        setCountCapped(!!result.count_capped);
      }
      setPages((all) => new Map(all).set(page, result.data));
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
  }, [load]);

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
    setPages(new Map());
    load(0);
  }, [client, projectId, load]);

  return { count, countCapped, loading: loadingPages > 0, row, ensure, error, reload, fetchPage };
}
