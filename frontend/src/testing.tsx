/** Helpers of the component tests: a render with a fresh query cache, and a JSON answer
 * for a stubbed fetch (stubs are undone after every test, see setupTests.ts). */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";

export function renderWithQueries(ui: ReactElement) {
  return render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);
}

export function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), { status });
}
