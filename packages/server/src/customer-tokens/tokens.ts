import { CUSTOMER_TOKEN_TTL_S_MAX } from '@tollgate/contract';
import { newId } from '@tollgate/domain';
import { type CustomerTokenKeyRow, customerTokenStore, type Store } from '@tollgate/storage';
import {
  type CryptoKey,
  decodeProtectedHeader,
  errors,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { SecretBox } from '../secrets.ts';

export const CUSTOMER_TOKEN_ISSUER = 'tollgate';
export const CUSTOMER_TOKEN_AUDIENCE = 'tollgate-customer';
/** ES256: the JWS algorithm every JOSE library and WebCrypto verify. */
export const CUSTOMER_TOKEN_ALGORITHM = 'ES256';
/** How stale this instance's copy of the keys may be when it mints (another may have rotated). */
const KEYS_REFRESH_MS = 60_000;
/** An unknown kid reloads the keys at most this often, so garbage tokens cannot hammer the store. */
const UNKNOWN_KID_RELOAD_MS = 1_000;

/** Who a verified token reads for. */
export interface CustomerClaims {
  customerId: string;
  userId: string | null;
}

export type TokenCheck =
  | ({ ok: true } & CustomerClaims)
  | { ok: false; code: 'token_invalid' | 'token_expired' };

interface LoadedKey {
  row: CustomerTokenKeyRow;
  publicKey: CryptoKey;
  /** Absent when the key was sealed under a TOLLGATE_SECRET this process does not have. */
  privateJwk?: JWK;
}

/**
 * Mints and verifies customer tokens: ES256 JWTs with `kid`, signed by keys kept in the store.
 * Rotation inserts a new key and retires the others; a retired key verifies the tokens it
 * signed until the longest TTL has passed, so rotation never logs a browser out.
 */
export class CustomerTokens {
  private keys = new Map<string, LoadedKey>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox | null = null,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Signs a token for the customer (and user); creates the first key on first use. */
  async mint(
    claims: CustomerClaims,
    ttlS: number,
  ): Promise<{ token: string; kid: string; expiresAtMs: number }> {
    if (this.clock() - this.loadedAt > KEYS_REFRESH_MS) await this.reload();
    if (!this.signingKey()) await this.rotate();
    const key = this.signingKey();
    if (!key?.privateJwk) throw new Error('no customer token signing key after rotation');
    const nowS = Math.floor(this.clock() / 1000);
    const expiresAtS = nowS + ttlS;
    const payload: Record<string, unknown> = { scope: 'read' };
    if (claims.userId !== null) payload.tg_user = claims.userId;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: CUSTOMER_TOKEN_ALGORITHM, kid: key.row.kid, typ: 'JWT' })
      .setIssuer(CUSTOMER_TOKEN_ISSUER)
      .setAudience(CUSTOMER_TOKEN_AUDIENCE)
      .setSubject(claims.customerId)
      .setIssuedAt(nowS)
      .setExpirationTime(expiresAtS)
      .sign(await importJWK(key.privateJwk, CUSTOMER_TOKEN_ALGORITHM));
    return { token, kid: key.row.kid, expiresAtMs: expiresAtS * 1000 };
  }

  /** Checks signature, key, issuer, audience, expiry and claims; never throws on a bad token. */
  async verify(token: string): Promise<TokenCheck> {
    const key = await this.verifyingKey(token);
    if (!key) return { ok: false, code: 'token_invalid' };
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [CUSTOMER_TOKEN_ALGORITHM],
        issuer: CUSTOMER_TOKEN_ISSUER,
        audience: CUSTOMER_TOKEN_AUDIENCE,
        currentDate: new Date(this.clock()),
        requiredClaims: ['sub', 'exp'],
      });
      const user = payload.tg_user;
      if (payload.scope !== 'read' || (user !== undefined && typeof user !== 'string'))
        return { ok: false, code: 'token_invalid' };
      return { ok: true, customerId: payload.sub!, userId: user ?? null };
    } catch (error) {
      return { ok: false, code: error instanceof errors.JWTExpired ? 'token_expired' : 'token_invalid' };
    }
  }

  /** Makes a new signing key; the previous ones keep verifying. */
  async rotate(): Promise<CustomerTokenKeyRow> {
    const { publicKey, privateKey } = await generateKeyPair(CUSTOMER_TOKEN_ALGORITHM, { extractable: true });
    const kid = newId('ctk');
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: CUSTOMER_TOKEN_ALGORITHM, use: 'sig' };
    const privateText = JSON.stringify(await exportJWK(privateKey));
    const row: CustomerTokenKeyRow = {
      kid,
      algorithm: CUSTOMER_TOKEN_ALGORITHM,
      publicJwk: JSON.stringify(publicJwk),
      privateJwk: this.secrets ? this.secrets.seal(privateText) : privateText,
      createdAt: this.clock(),
      retiredAt: null,
    };
    await customerTokenStore(this.store).rotateTo(row);
    await this.reload();
    return row;
  }

  /** The public keys that still verify tokens, as a JWK Set. */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (this.clock() - this.loadedAt > KEYS_REFRESH_MS) await this.reload();
    const live = [...this.keys.values()].filter((k) => this.verifies(k.row));
    return { keys: live.map((k) => JSON.parse(k.row.publicJwk) as JWK) };
  }

  private signingKey(): LoadedKey | undefined {
    // Keys are loaded newest first: the newest active one that this process can open signs.
    for (const key of this.keys.values()) if (key.row.retiredAt === null && key.privateJwk) return key;
    return undefined;
  }

  private verifies(row: CustomerTokenKeyRow): boolean {
    return row.retiredAt === null || row.retiredAt + CUSTOMER_TOKEN_TTL_S_MAX * 1000 > this.clock();
  }

  private async verifyingKey(token: string): Promise<LoadedKey | undefined> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return undefined;
    }
    if (typeof kid !== 'string') return undefined;
    if (!this.keys.has(kid) && this.clock() - this.loadedAt > UNKNOWN_KID_RELOAD_MS) await this.reload();
    const key = this.keys.get(kid);
    return key && this.verifies(key.row) ? key : undefined;
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const rows = await customerTokenStore(this.store).listKeys();
    const keys = new Map<string, LoadedKey>();
    for (const row of rows) {
      const publicKey = (await importJWK(JSON.parse(row.publicJwk) as JWK, row.algorithm)) as CryptoKey;
      keys.set(row.kid, { row, publicKey, privateJwk: this.openPrivate(row.privateJwk) });
    }
    this.keys = keys;
    this.loadedAt = this.clock();
  }

  private openPrivate(stored: string): JWK | undefined {
    if (stored.startsWith('{')) return JSON.parse(stored) as JWK;
    try {
      return this.secrets ? (JSON.parse(this.secrets.open(stored)) as JWK) : undefined;
    } catch {
      // Sealed under another secret: this key only verifies here; a new one will sign.
      return undefined;
    }
  }
}

const services = new WeakMap<Store, CustomerTokens>();

/** One token service per store, so every app over it shares the loaded keys. */
export function customerTokensFor(store: Store, secrets: SecretBox | null = null): CustomerTokens {
  let service = services.get(store);
  if (!service) {
    service = new CustomerTokens(store, secrets);
    services.set(store, service);
  }
  return service;
}
