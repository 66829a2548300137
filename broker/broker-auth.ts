// Aedes handlers that enforce a Mosquitto password_file + acl_file, and bind each client id to its username.
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from '../core/log.js';
import { Acl, type ClientRules } from './acl.js';
import { PasswordFile } from './password-file.js';

export type AuthHandlers = Required<
  Pick<
    AedesOptions,
    'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'
  >
>;

/** MQTT 3.1.1 CONNACK return code "not authorized" (what Mosquitto answers for both failures). */
const NOT_AUTHORIZED = 5;

/**
 * The same rules as docker/'s Mosquitto with `use_username_as_clientid true`:
 * - CONNECT needs a username and password found in the password_file (no anonymous clients).
 * - The client id is replaced by the username, so user vehicle_01 asking for client id
 *   vehicle_02 gets vehicle_01's session and can never take over or read vehicle_02's.
 * - PUBLISH (and a last will when it fires) needs `write` on the topic; a denied publish closes
 *   the connection (MQTT 3.1.1 §3.3.5 lets a broker either close or acknowledge and drop;
 *   Mosquitto drops). A denied will is not sent, as with Mosquitto.
 * - Every delivered message needs `read` on its topic (Mosquitto checks at delivery too).
 *   SUBSCRIBE is granted when some `read` entry overlaps the filter, refused (0x80) otherwise;
 *   Mosquitto grants it anyway and then delivers nothing, so what arrives is the same.
 */
export class BrokerAuth {
  private readonly rules = new WeakMap<Client, ClientRules>();

  constructor(
    private readonly passwords: PasswordFile,
    private readonly acl: Acl,
    private readonly log: Logger,
  ) {}

  static parse(passwordFileText: string, aclFileText: string, log: Logger): BrokerAuth {
    return new BrokerAuth(PasswordFile.parse(passwordFileText), Acl.parse(aclFileText), log);
  }

  get users(): number {
    return this.passwords.size;
  }

  handlers(): AuthHandlers {
    return {
      authenticate: (client, username, password, done) => {
        this.passwords.check(username, password).then(
          (ok) => {
            if (!ok || username === undefined) {
              this.log.warn(
                { username: clip(username), clientId: clip(client.id) },
                'MQTT login refused',
              );
              const err = new Error('not authorized') as AuthenticateError;
              err.returnCode = NOT_AUTHORIZED;
              done(err, false);
              return;
            }
            // Aedes reads client.id for the session (takeover, subscriptions, will) only after
            // authenticate: this is Mosquitto's use_username_as_clientid.
            (client as { id: string }).id = username;
            this.rules.set(client, this.acl.rulesFor({ username, clientId: username }));
            done(null, true);
          },
          (err: unknown) => {
            this.log.error({ err }, 'password check failed');
            done(Object.assign(new Error('server unavailable'), { returnCode: 3 }), false);
          },
        );
      },
      authorizePublish: (client, packet, done) => {
        const rules = client ? this.rules.get(client) : undefined;
        if (rules?.allows(packet.topic, 'write')) {
          done(null);
          return;
        }
        this.log.warn(
          { clientId: clip(client?.id), topic: clip(packet.topic) },
          'MQTT publish refused by ACL',
        );
        done(new Error('publish not authorized'));
      },
      authorizeSubscribe: (client, subscription, done) => {
        const rules = this.rules.get(client);
        done(null, rules?.mayReceiveFrom(subscription.topic) ? subscription : null);
      },
      authorizeForward: (client, packet) =>
        this.rules.get(client)?.allows(packet.topic, 'read') ? packet : null,
    };
  }
}

/** Attacker-chosen strings go into logs shortened (JSON-escaped by pino). */
function clip(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
