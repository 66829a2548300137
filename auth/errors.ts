// What can go wrong in people-and-permissions operations, with a kind the dashboard maps to an HTTP status.

export type AuthErrorKind = 'invalid' | 'not_found' | 'conflict' | 'forbidden';

export class AuthError extends Error {
  constructor(
    readonly kind: AuthErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
