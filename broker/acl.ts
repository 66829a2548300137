// Mosquitto's acl_file (user / topic / pattern lines) parsed and checked the way Mosquitto 2.0 checks it.
import { filtersOverlap, isValidFilter, topicMatches } from './topic-filter.js';

export type Access = 'read' | 'write';

interface AclEntry {
  filter: string;
  read: boolean;
  write: boolean;
  deny: boolean;
}

/** Who is asking: the authenticated username (undefined: anonymous) and the client id. */
export interface Principal {
  username: string | undefined;
  clientId: string;
}

export class AclParseError extends Error {
  constructor(line: number, message: string) {
    super(`acl_file line ${line}: ${message}`);
    this.name = 'AclParseError';
  }
}

/**
 * The rules of Mosquitto's default ACL check (mosquitto.conf(5), `acl_file`):
 * - `topic [read|write|readwrite|deny] <filter>` lines belong to the last `user <name>` line;
 *   those before any `user` line apply to anonymous clients. Without an access word: readwrite.
 * - `pattern ...` lines apply to every user, with `%u` / `%c` replaced by username / client id;
 *   a username or client id holding `+`, `#` or `/` gets no pattern access (it could otherwise
 *   reach other clients' topics), and `%u` entries never apply to anonymous clients.
 * - `deny` entries are checked before the ones that grant; a `$` topic matches only entries
 *   starting with `$`; anything not granted is refused.
 */
export class Acl {
  private constructor(
    private readonly users: Map<string | undefined, AclEntry[]>,
    private readonly patterns: AclEntry[],
  ) {}

  static parse(text: string): Acl {
    const users = new Map<string | undefined, AclEntry[]>();
    const patterns: AclEntry[] = [];
    let user: string | undefined;
    text.split('\n').forEach((raw, index) => {
      const line = raw.replace(/\r$/, '');
      if (line.startsWith('#') || line.trim() === '') return;
      const [keyword, rest] = splitWord(line);
      if (keyword === 'user') {
        // The rest of the line, spaces included, as Mosquitto reads it.
        if (rest === '') throw new AclParseError(index + 1, 'user without a name');
        user = rest;
        return;
      }
      if (keyword !== 'topic' && keyword !== 'pattern') return; // Mosquitto ignores other lines
      const entry = parseEntry(rest, index + 1);
      if (keyword === 'pattern') {
        patterns.push(entry);
      } else {
        const list = users.get(user) ?? [];
        list.push(entry);
        users.set(user, list);
      }
    });
    return new Acl(users, patterns);
  }

  /** The entries that apply to one client, patterns substituted: per message only a short loop. */
  rulesFor(who: Principal): ClientRules {
    const own = this.users.get(who.username) ?? [];
    const unsafe = (s: string | undefined) => s !== undefined && /[+#/]/.test(s);
    const substituted: AclEntry[] = [];
    const patternsBlocked = unsafe(who.username) || unsafe(who.clientId);
    if (!patternsBlocked) {
      for (const p of this.patterns) {
        if (p.filter.includes('%u') && who.username === undefined) continue;
        const filter = p.filter
          .split('/')
          .map((level) =>
            level === '%u' ? (who.username ?? level) : level === '%c' ? who.clientId : level,
          )
          .join('/');
        substituted.push({ ...p, filter });
      }
    }
    return new ClientRules([...own, ...substituted]);
  }
}

/** The ACL entries of one connected client. */
export class ClientRules {
  private readonly denies: AclEntry[];
  private readonly grants: AclEntry[];

  constructor(entries: AclEntry[]) {
    this.denies = entries.filter((e) => e.deny);
    this.grants = entries.filter((e) => !e.deny);
  }

  allows(topic: string, access: Access): boolean {
    const applies = (e: AclEntry) =>
      (!topic.startsWith('$') || e.filter.startsWith('$')) && topicMatches(e.filter, topic);
    if (this.denies.some(applies)) return false;
    return this.grants.some((e) => e[access] && applies(e));
  }

  /** Some message on this subscription could be delivered: one read entry overlaps it. */
  mayReceiveFrom(subscription: string): boolean {
    return this.grants.some((e) => e.read && filtersOverlap(subscription, e.filter));
  }
}

/** `[read|write|readwrite|deny] <filter>`: one word is the filter alone (readwrite). */
function parseEntry(rest: string, line: number): AclEntry {
  const [head, tail] = splitWord(rest);
  const [access, filter] = tail === '' ? ['readwrite', head] : [head, tail];
  if (filter === '') throw new AclParseError(line, 'empty topic');
  if (!isValidFilter(filter)) throw new AclParseError(line, `invalid topic filter "${filter}"`);
  switch (access) {
    case 'read':
      return { filter, read: true, write: false, deny: false };
    case 'write':
      return { filter, read: false, write: true, deny: false };
    case 'readwrite':
      return { filter, read: true, write: true, deny: false };
    case 'deny':
      return { filter, read: true, write: true, deny: true };
    default:
      throw new AclParseError(line, `invalid access type "${access}"`);
  }
}

/** First space-separated word and the rest (leading spaces skipped), as Mosquitto's strtok does. */
function splitWord(text: string): [string, string] {
  const trimmed = text.replace(/^ +/, '');
  const space = trimmed.indexOf(' ');
  if (space < 0) return [trimmed, ''];
  return [trimmed.slice(0, space), trimmed.slice(space + 1).replace(/^ +/, '')];
}
