// AUTH_MODE=proxy: a Cloudflare Access JWT (Cf-Access-Jwt-Assertion) verified with jose against the team's keys: signature, audience, issuer, expiry.
import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

export const CF_ACCESS_HEADER = 'cf-access-jwt-assertion';

export type AccessCheck = { ok: true; email: string } | { ok: false; reason: string };

/**
 * Cloudflare publishes the team's signing keys at `<team>/cdn-cgi/access/certs` and rotates
 * them; jose's remote key set caches them and fetches again when a token names an unknown key.
 */
export class CloudflareAccess {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: { issuer: string; audience: string },
    private readonly now: () => number,
  ) {
    this.keys = createRemoteJWKSet(new URL(`${settings.issuer}/cdn-cgi/access/certs`), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
    });
  }

  async verify(jwt: string): Promise<AccessCheck> {
    try {
      const { payload } = await jwtVerify(jwt, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['RS256', 'ES256'],
        currentDate: new Date(this.now()),
        requiredClaims: ['exp'],
      });
      const email = payload.email;
      if (typeof email !== 'string' || email === '') {
        return { ok: false, reason: 'the Access token names no e-mail' };
      }
      return { ok: true, email };
    } catch (err) {
      return { ok: false, reason: reasonOf(err) };
    }
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the Access token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    return `the Access token's ${err.claim} claim is not this application's`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return 'the Access token signature does not verify';
  }
  if (err instanceof errors.JWKSNoMatchingKey)
    return 'the Access token is signed by an unknown key';
  if (err instanceof errors.JOSEError) return `the Access token is not valid (${err.code})`;
  return 'the Access token could not be checked';
}
