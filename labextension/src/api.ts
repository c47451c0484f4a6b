/** Calls to the server extension under `<base_url>/mlops/api/` (Jupyter auth + XSRF via ServerConnection). */

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { buildQuery } from './model';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
  }
}

export async function requestAPI<T>(
  endpoint: string,
  query: Record<string, string | number | boolean | null | undefined> = {},
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'mlops', 'api', endpoint) + buildQuery(query);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(`the Jupyter server is not reachable: ${String(error)}`, 0);
  }
  const text = await response.text();
  let data: any = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && (data.message || data.reason)) || response.statusText;
    if (response.status === 404 && endpoint !== 'status' && !data) {
      throw new ApiError(
        'the mlops_magics server extension is not enabled (jupyter server extension list)',
        404
      );
    }
    throw new ApiError(String(message), response.status);
  }
  return data as T;
}

export function postAPI<T>(endpoint: string, body: unknown): Promise<T> {
  return requestAPI<T>(endpoint, {}, { method: 'POST', body: JSON.stringify(body) });
}
