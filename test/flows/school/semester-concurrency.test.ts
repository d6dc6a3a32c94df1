// 01 設定學期參數 with saves at the same moment (an integrity audit's finding): two overlapping semesters of a school
// sent at once are not both kept (the school's saves run one at a time); two that do not meet are both saved.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upsertSchool } from '../../../src/domain/schools/schools.ts';
import { newSchoolCode } from '../../helpers/school.ts';
import { startTestServer, storageMode, type TestServer } from '../../helpers/server.ts';

const newCode = () => newSchoolCode('6');

describe(`two semesters of a school saved at once (${storageMode})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  it('two overlapping semesters sent at once: one is saved, the other refused with the overlap message', async () => {
    const semesters = server.services.schoolOffice.semesters;
    for (let trial = 0; trial < 5; trial++) {
      const code = newCode();
      await upsertSchool(server.storage.db, {
        code,
        name: `私立學期高職${code}`,
        level: 'vocational',
        kind: 'private',
      });
      const results = await Promise.all([
        semesters.save(
          code,
          { academicYear: '115', semester: '2', startsOn: '116/02/01', endsOn: '116/07/31' },
          'test',
        ),
        semesters.save(
          code,
          { academicYear: '116', semester: '1', startsOn: '116/07/01', endsOn: '117/01/20' },
          'test',
        ),
      ]);
      assert.equal(results.filter((r) => r.ok).length, 1, `trial ${trial}: one saved`);
      const refused = results.find((r) => !r.ok);
      assert.equal(refused && !refused.ok && refused.errors.startsOn?.[0], 'school.semester.errors.overlap');
      const stored = await server.storage.db('school_semesters').where({ school_code: code });
      assert.equal(stored.length, 1);
      const current = await server.storage.db('schools').where({ code }).first('academic_year', 'semester');
      assert.deepEqual(
        [current.academic_year, current.semester],
        [stored[0].academic_year, stored[0].semester],
        'the saved one is the current one',
      );
    }
  });

  it('two semesters that do not meet, sent at once: both saved', async () => {
    const semesters = server.services.schoolOffice.semesters;
    const code = newCode();
    await upsertSchool(server.storage.db, { code, name: `私立學期高職${code}`, level: 'vocational', kind: 'private' });
    const results = await Promise.all([
      semesters.save(code, { academicYear: '115', semester: '1', startsOn: '115/08/30', endsOn: '116/01/20' }, 'test'),
      semesters.save(code, { academicYear: '115', semester: '2', startsOn: '116/02/11', endsOn: '116/06/30' }, 'test'),
    ]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true],
    );
    assert.equal((await server.storage.db('school_semesters').where({ school_code: code })).length, 2);
  });
});
