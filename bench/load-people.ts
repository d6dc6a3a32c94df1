// `npm run bench:people -- --people 1000000`: loads bench people (persons with identities, parents bound to students)
// into the database the settings name: DATABASE_URL, or the embedded PostgreSQL under DATA_DIR (started if need be).
import { parseSettings } from '../src/platform/settings.ts';
import { openStorage } from '../src/platform/storage/open.ts';
import { BENCH_PEOPLE_PASSWORD, benchLogin, databaseSize, loadPeople } from './lib/people.ts';

const arg = process.argv.indexOf('--people');
const people = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
if (!Number.isInteger(people) || people < 1 || people > 20_000_000) {
  console.error('usage: npm run bench:people -- --people N   (1 … 20,000,000)');
  process.exit(2);
}
const settings = parseSettings();
const storage = await openStorage(settings);
try {
  const result = await loadPeople(storage.db, storage.keyring, {
    people,
    bcryptCost: settings.bcryptCost,
    log: (l) => console.error(l),
  });
  const size = await databaseSize(storage.db);
  console.log(JSON.stringify({ ...result, ...size }, null, 2));
  console.error(
    `${result.added} people added in ${result.seconds} s; ${people} in all, sign in as ${benchLogin(1)} … ${benchLogin(people)} with ${BENCH_PEOPLE_PASSWORD}`,
  );
} finally {
  await storage.close();
}
