// Step 3 or 4 again after the application was sent (Back from the status page, or the form sent twice): the session
// keeps what was sent (the students' names as shown, masked) until a new student is added, and these pages say that
// it was sent, leading to the status page ("回到申請進度") or to a new application ("新增綁定學生"), instead of
// sending the parent silently to an empty step 1.
import type { Context } from 'koa';
import { renderBinding, tr } from './pages.ts';
import { bindingOf } from './state.ts';

/** Draws "這份申請已經送出了" when nothing is being filled in and an application was sent; true when it did. */
export function showSent(ctx: Context): boolean {
  const { session } = bindingOf(ctx);
  if (session.students.length || !session.sent) return false;
  const t = tr(ctx);
  renderBinding(ctx, 'message', {
    title: 'binding.sent.title',
    message: `binding.sent.${session.sent.notice}`,
    params: { names: session.sent.names.join(t('binding.sent.separator')) },
    tone: 'info',
    links: [
      { href: '/binding/status', label: 'binding.student.backToStatus' },
      { href: '/binding/student', label: 'binding.status.add' },
    ],
  });
  return true;
}
