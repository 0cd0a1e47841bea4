/**
 * Request-target hygiene the platforms' gateways do before routing: a run of slashes in the path is one
 * slash (`//authentication/v2/token` is `/authentication/v2/token`). The query is left as it is.
 */
export function collapseRepeatedSlashes(url: string): string {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  if (!path.includes("//")) return url;
  const collapsed = path.replace(/\/{2,}/g, "/");
  return query < 0 ? collapsed : `${collapsed}${url.slice(query)}`;
}
