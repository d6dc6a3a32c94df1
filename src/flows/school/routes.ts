// The school back office (issue 14; seed 000 §9 高職與私立學校後台管理系統): school administrators, and the bureau for
// every school, sign in through our own provider with a second factor; each school's pages follow the seed's steps
// (01 設定學期參數, 02 匯入檔案批次建檔, 03 維護資料, 04 同步資料) and the sync log of its systems' API calls (同步紀錄).
import type Router from '@koa/router';
import { fileUpload } from '../../web/file-upload.ts';
import type { Services } from '../../web/services.ts';
import { showSchool, showSchools } from './home.ts';
import { commitImport, downloadTemplate, showImport, showPreview, UPLOAD_MAX_BYTES, uploadImport } from './import.ts';
import { printCredentials, publishResults, publishRoster, showPublish } from './publish.ts';
import { markRosterLeft, revealedIds, revealNationalId, saveRosterRow, showRoster, showRosterRow } from './roster.ts';
import { saveSemester, showSemester } from './semester.ts';
import { officeSession, requireSchool } from './session.ts';
import { officeSignIn } from './sign-in.ts';
import { showSyncLog } from './sync-log.ts';
import './texts.ts';

export function schoolRoutes(router: Router, s: Services) {
  const session = officeSession(s);
  const office = session.require;
  const school = requireSchool(s);
  const signIn = officeSignIn(s, session);
  // What a form's answer shows on the page it sends the browser to (Post/Redirect/Get).
  const revealed = revealedIds(s);
  const published = publishResults(s);
  router.get('/school/sign-in', signIn.start);
  router.get('/school/callback', signIn.finish);
  router.post('/school/sign-out', office, s.forms.post, signIn.signOut);
  router.get('/school', office, showSchools(s));
  router.get('/school/:code', office, school, showSchool(s));
  router.get('/school/:code/semester', office, school, showSemester(s));
  router.post('/school/:code/semester', office, s.forms.post, school, saveSemester(s));
  router.get('/school/:code/import', office, school, showImport(s));
  router.get('/school/:code/import/preview', office, school, showPreview(s));
  router.get('/school/:code/import/:file/template.xlsx', office, school, downloadTemplate());
  router.post('/school/:code/import', office, school, fileUpload(UPLOAD_MAX_BYTES), uploadImport(s));
  router.post('/school/:code/import/commit', office, s.forms.post, school, commitImport(s));
  router.get('/school/:code/roster', office, school, showRoster(s));
  router.get('/school/:code/roster/:part/:key', office, school, showRosterRow(s, revealed));
  router.post('/school/:code/roster/:part/:key', office, s.forms.post, school, saveRosterRow(s));
  router.post('/school/:code/roster/:part/:key/leave', office, s.forms.post, school, markRosterLeft(s));
  router.post('/school/:code/roster/:part/:key/reveal', office, s.forms.post, school, revealNationalId(s, revealed));
  router.get('/school/:code/publish', office, school, showPublish(s, published));
  router.post('/school/:code/publish', office, s.forms.post, school, publishRoster(s, published));
  router.get('/school/:code/publish/:group/credentials.pdf', office, school, printCredentials(s));
  router.get('/school/:code/sync-log', office, school, showSyncLog(s));
}
