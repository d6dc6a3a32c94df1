import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createLogger } from './log.ts';

/** The lines a logger writes. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

/** An error as node-postgres makes it from the server's answer. */
function databaseError(message: string, fields: Partial<pg.DatabaseError>): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(message, message.length, 'error'), { severity: 'ERROR', ...fields });
}

describe('logs', () => {
  it('a database error is logged with what failed, never the data it names', () => {
    const { log, lines } = capture();
    const taken = databaseError('duplicate key value violates unique constraint "persons_email_key"', {
      code: '23505',
      detail: 'Key (email)=(grandma.lin@example.test) already exists.',
      table: 'persons',
      constraint: 'persons_email_key',
      routine: '_bt_check_unique',
    });
    const syntax = databaseError('invalid input syntax for type uuid: "A123456789"', {
      code: '22P02',
      where: "unnamed portal parameter $1 = 'A123456789'",
      routine: 'string_to_uuid',
    });
    log.error({ err: taken }, 'unhandled error');
    log.error({ err: syntax }, 'unhandled error');
    const [first, second] = lines.map((l) => JSON.parse(l));
    assert.equal(first.err.code, '23505');
    assert.equal(first.err.table, 'persons');
    assert.equal(first.err.constraint, 'persons_email_key');
    assert.equal(second.err.code, '22P02');
    const all = lines.join('\n');
    assert.ok(!all.includes('grandma.lin'), 'no email from the detail');
    assert.ok(!all.includes('A123456789'), 'no value the message or its where quotes');
  });

  it('any other error keeps what pino logs of it', () => {
    const { log, lines } = capture();
    log.error({ err: Object.assign(new Error('the outbox is stuck'), { attempts: 3 }) }, 'unhandled error');
    const { err } = JSON.parse(lines[0]!);
    assert.equal(err.message, 'the outbox is stuck');
    assert.equal(err.attempts, 3);
    assert.match(err.stack, /the outbox is stuck/);
  });
});
