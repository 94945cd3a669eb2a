import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './server.ts';

export interface TestCerts {
  ca: string;
  cert: string;
  key: string;
  /** a self-signed certificate from no CA the client trusts */
  strayCert: string;
  strayKey: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with openssl. */
export function makeCerts(): TestCerts {
  const { dir } = tempDir('chat-certs-');
  const p = (f: string) => join(dir, f);
  const run = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=chat test CA', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost',
    '-keyout', p('server.key'), '-out', p('server.csr'));
  writeExtensions(p('ext.cnf'));
  run('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', p('ext.cnf'), '-out', p('server.pem'));
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', p('stray.key'), '-out', p('stray.pem'));
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key'), strayCert: p('stray.pem'), strayKey: p('stray.key') };
}

function writeExtensions(path: string): void {
  writeFileSync(path, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
}
