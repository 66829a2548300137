// A TOML subset reader for telegraf.conf (tables, arrays of tables, strings, numbers, booleans,
// arrays of strings): no TOML library is a dependency and no telegraf binary is installed here.

export type TomlValue = string | number | boolean | string[] | TomlTable | TomlTable[];
export interface TomlTable {
  [key: string]: TomlValue;
}

function parseValue(raw: string, lineNo: number): TomlValue {
  const text = raw.trim();
  if (/^"([^"\\]|\\.)*"$/.test(text)) return JSON.parse(text) as string;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text.startsWith('[') && text.endsWith(']')) {
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    return inner.split(',').map((item) => {
      const v = parseValue(item, lineNo);
      if (typeof v !== 'string') throw new Error(`line ${lineNo}: only arrays of strings here`);
      return v;
    });
  }
  throw new Error(`line ${lineNo}: unsupported value ${text}`);
}

function child(table: TomlTable, key: string, lineNo: number): TomlTable {
  const existing = table[key];
  if (existing === undefined) {
    const created: TomlTable = {};
    table[key] = created;
    return created;
  }
  if (Array.isArray(existing)) {
    const last = existing.at(-1);
    if (last !== undefined && typeof last === 'object') return last as TomlTable;
  } else if (typeof existing === 'object') return existing;
  throw new Error(`line ${lineNo}: ${key} is not a table`);
}

/** Throws on anything outside the subset, so a typo cannot pass silently. */
export function parseTomlSubset(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  text.split('\n').forEach((rawLine, i) => {
    const lineNo = i + 1;
    const line = rawLine.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const header = /^(\[\[?)([A-Za-z0-9_.]+)(\]\]?)\s*(#.*)?$/.exec(line);
    if (header) {
      const path = (header[2] ?? '').split('.');
      const isArray = header[1] === '[[';
      if (isArray !== (header[3] === ']]')) throw new Error(`line ${lineNo}: bad header`);
      const last = path.pop() ?? '';
      let parent = root;
      for (const key of path) parent = child(parent, key, lineNo);
      if (isArray) {
        const list = (parent[last] ?? []) as TomlTable[];
        if (!Array.isArray(list)) throw new Error(`line ${lineNo}: ${last} is not an array`);
        const table: TomlTable = {};
        list.push(table);
        parent[last] = list;
        current = table;
      } else {
        current = child(parent, last, lineNo);
      }
      return;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+?)\s*(#[^"]*)?$/.exec(line);
    if (!kv?.[1] || kv[2] === undefined) throw new Error(`line ${lineNo}: cannot read ${line}`);
    if (kv[1] in current) throw new Error(`line ${lineNo}: duplicate key ${kv[1]}`);
    current[kv[1]] = parseValue(kv[2], lineNo);
  });
  return root;
}
