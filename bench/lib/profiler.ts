// CPU profiles of a running process, started and stopped on request (node:inspector), so a profile holds the steady
// state of one scenario and not the start-up. Written as .cpuprofile (Chrome DevTools, `bench/profile-summary.ts`).
import fs from 'node:fs';
import inspector from 'node:inspector/promises';

let session: inspector.Session | undefined;

export async function startProfile(): Promise<void> {
  session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
}

export async function stopProfile(file: string): Promise<void> {
  if (!session) throw new Error('no profile running');
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  session = undefined;
  fs.writeFileSync(file, JSON.stringify(profile));
}
