import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the test server answers one path. */
type Route =
  /** `type`: the content-type (default application/octet-stream). */
  | { readonly body: Uint8Array; readonly type?: string }
  | { readonly status: number }
  /** Announces the whole body, sends `after` bytes, then drops the connection. */
  | { readonly body: Uint8Array; readonly dropAfter: number }
  /** Announces the whole body, sends `after` bytes, then goes silent. */
  | { readonly body: Uint8Array; readonly stallAfter: number };

/** A local HTTP server on 127.0.0.1 (ephemeral port) serving fixture files; records every request. */
export interface FixtureServer {
  readonly base: string;
  readonly hits: string[];
  route(path: string, r: Route): void;
  close(): Promise<void>;
}

export async function startServer(): Promise<FixtureServer> {
  const routes = new Map<string, Route>();
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const r = routes.get(path);
    if (!r || 'status' in r) {
      res.writeHead(r && 'status' in r ? r.status : 404).end();
      return;
    }
    const type = 'type' in r && r.type ? r.type : 'application/octet-stream';
    res.writeHead(200, { 'content-length': String(r.body.length), 'content-type': type });
    if ('dropAfter' in r) {
      res.write(r.body.subarray(0, r.dropAfter), () => res.destroy());
    } else if ('stallAfter' in r) {
      res.write(r.body.subarray(0, r.stallAfter));
    } else {
      res.end(r.body);
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    route: (path, r) => void routes.set(path, r),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
