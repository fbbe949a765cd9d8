import { createDecipheriv, createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuthorityHandle } from './authority-process';

/**
 * What an insider holding the KEK and a copy of the authority's database can do: open a
 * token-signing key (of the given state) and sign whatever they like with it. Tests use it to
 * forge tokens the authority would never issue (a 10-year lifetime, a token of the pending
 * standby) and check that every sidecar still refuses them. Reads the live WAL database
 * read-only; follows the envelope format of authority-core's keys/envelope.ts (AES-256-GCM,
 * a data key wrapped by the KEK, AAD `revmesh:signing-key:<kid>`).
 */
export function stealSigningKey(authority: AuthorityHandle, state: 'pending' | 'active'): { readonly kid: string; readonly privateKey: KeyObject } {
  const db = new Database(join(authority.dataDir, 'authority.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare<[string], { kid: string; sealed_key: string }>('SELECT kid, sealed_key FROM signing_keys WHERE state = ? ORDER BY created_at DESC').get(state);
    if (row === undefined) throw new Error(`the authority has no ${state} signing key`);
    const kek = Buffer.from(authority.env['REVMESH_KEK']!, 'base64');
    const envelope = JSON.parse(row.sealed_key) as Record<'wrapped_dek' | 'dek_iv' | 'dek_tag' | 'iv' | 'tag' | 'ciphertext', string>;
    const aad = Buffer.from(`revmesh:signing-key:${row.kid}`, 'utf8');
    const open = (key: Buffer, iv: string, tag: string, ciphertext: string): Buffer => {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(aad);
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    };
    const dek = open(kek, envelope.dek_iv, envelope.dek_tag, envelope.wrapped_dek);
    const pkcs8 = open(dek, envelope.iv, envelope.tag, envelope.ciphertext);
    return { kid: row.kid, privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
  } finally {
    db.close();
  }
}
