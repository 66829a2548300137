// Holds an exclusive write lock on a SQLite file until SIGTERM: the drill's SQLite "store outage".
import Database from 'better-sqlite3';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: sqlite-locker <file>\n');
  process.exit(2);
}
const db = new Database(path);
db.pragma('busy_timeout = 10000');
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\n');
const keepAlive = setInterval(() => {}, 60_000);
process.on('SIGTERM', () => {
  db.exec('ROLLBACK');
  db.close();
  clearInterval(keepAlive);
  process.stdout.write('unlocked\n');
});
