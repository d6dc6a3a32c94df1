// A bare oidc-provider (in-memory adapter, default settings) in this process: the library's own limit.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { endpoints, type Target } from '../lib/oidc.ts';

export async function startBareProvider(): Promise<{ target: Target; close(): Promise<void> }> {
  const client = { id: 'bench-bare', secret: 'bench-bare-secret-0123456789abcdef' };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: client.id, client_secret: client.secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }],
    features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
  });
  server.on('request', provider.callback());
  return {
    target: { name: 'bare oidc-provider', e: await endpoints(issuer), client },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
