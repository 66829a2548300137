// MQTT topic filter matching (`+`, `#`, `$` topics) as Mosquitto applies it to ACL entries.

/**
 * Hand-written rather than a library: Aedes' own matcher (qlobber) indexes subscriptions for
 * routing and has no "does this one filter match this topic" call, and the rules fit in a loop.
 * MQTT 3.1.1 §4.7: `+` matches one level, `#` (last) matches the parent and every level below,
 * and a filter starting with a wildcard never matches a topic starting with `$`.
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether some topic matches both filters: a subscription to `a` can receive messages an ACL
 * entry `b` lets through. Used to refuse subscriptions no ACL entry could ever deliver to.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const dollarA = a.startsWith('$');
  const dollarB = b.startsWith('$');
  // Wildcards at the first level never match `$` topics, and a literal first level differs.
  if (dollarA !== dollarB) return false;
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    // `#` (which also matches its parent level) was handled above: otherwise both must end here.
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** A well-formed filter: `#` only as the last level, wildcards only as whole levels. */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every(
    (level, i) =>
      (level === '#' && i === levels.length - 1) ||
      level === '+' ||
      (!level.includes('#') && !level.includes('+')),
  );
}
