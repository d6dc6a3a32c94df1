// GET/POST /interaction/:uid/second-factor — the second factor after the password or a linked upstream account, when
// the app asked for one (the school back office, the bureau console): a passkey (POST …/passkey/options gives the
// browser its challenge, POST …/passkey its answer) or the 6-digit code from an authenticator app. The first time the
// page sets one up: a passkey, or an app from a QR code of a new secret (and the secret in groups of four, for
// typing), kept once its first code is right — but only after a 6-digit code sent to the account's verified email
// (else mobile) was typed in this interaction (POST …/second-factor/proof, "send again" POST …/proof/again): the
// password alone sets up nothing (domain/people/setup-proof.ts). An account with neither is refused (403) with the way
// on. Failures are counted per person (15 minutes and a day) and per address. A person already signed in on this
// browser who opens such an app meets only this step.
import type { Context } from 'koa';
import { z } from 'zod';
import type { Person } from '../../domain/people/persons.ts';
import { dayWaitSeconds, type FirstFactor, MFA_ACR } from '../../domain/people/second-factor.ts';
import type { SentTo } from '../../domain/people/setup-proof.ts';
import { chooseLocale, type Locale, translator } from '../../platform/i18n/index.ts';
import { refuseJson } from '../../web/api-client.ts';
import { csrfToken } from '../../web/csrf.ts';
import { finishInteraction, type LoadedInteraction, loadInteraction } from '../../web/interaction.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import { taipeiTime } from '../../web/taipei-time.ts';
import type { LinkByPassword } from './link-by-password.ts';

const CodeForm = z.object({ code: z.string().max(20).catch('') });

type PageState = { error?: string; status?: number; notice?: string };

/** Whether the person has a second factor already (an authenticator app or a passkey). */
async function hasFactor(s: Services, personId: string): Promise<boolean> {
  return (await s.secondFactor.enrolled(personId)) || (await s.passkeys.count(personId)) > 0;
}

/** A set-up may be shown or accepted: the person has a factor already, or proved the code in this interaction. */
async function setupAllowed(s: Services, uid: string, personId: string): Promise<boolean> {
  return (await hasFactor(s, personId)) || s.setupProof.proven(uid, personId);
}

/** Too many wrong codes: in a day (until when, in Taipei time), else in 15 minutes. Sets Retry-After. */
async function limitedPage(ctx: Context, s: Services, personId: string): Promise<PageState> {
  const locale = chooseLocale(ctx);
  const t = translator(locale);
  const wait = await dayWaitSeconds(s.throttle, personId);
  ctx.set('Retry-After', String(wait > 0 ? wait : 900));
  return { error: wait > 0 ? dayWait(t, wait, locale) : t('secondFactor.limited'), status: 429 };
}

const dayWait = (t: ReturnType<typeof translator>, seconds: number, locale: Locale) =>
  t('secondFactor.dayLimited', { until: taipeiTime(new Date(Date.now() + seconds * 1000), locale, 'minutes') });

async function render(
  ctx: Context,
  s: Services,
  loaded: LoadedInteraction,
  personId: string,
  page: PageState = {},
  sendIfNone = false,
) {
  const t = translator(chooseLocale(ctx));
  const person = await s.people.findById(personId);
  const hasTotp = await s.secondFactor.enrolled(personId);
  const passkeys = await s.passkeys.count(personId);
  const enrolled = hasTotp || passkeys > 0;
  if (!enrolled && !(await s.setupProof.proven(loaded.details.uid, personId)))
    return renderProof(ctx, s, loaded, person, page, sendIfNone);
  if (!page.error && (await dayWaitSeconds(s.throttle, personId)) > 0) page = await limitedPage(ctx, s, personId);
  const setup = enrolled
    ? undefined
    : await s.secondFactor.enrolment(loaded.details.uid, personId, person?.username ?? person?.email ?? personId);
  const qr =
    setup &&
    (await (await import('qrcode')).default.toString(setup.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
  renderPage(
    ctx,
    'sign-in/second-factor',
    {
      pageTitle: withMistakes(t, !!page.error, t(enrolled ? 'secondFactor.title' : 'secondFactor.setupTitle')),
      uid: loaded.details.uid,
      clientName: loaded.clientName,
      enrolled,
      hasTotp,
      // A passkey signs in when there is one; the first time one may be made instead of setting up an app.
      passkey: passkeys > 0 || !enrolled,
      // The SVG is ours (made by the qrcode library from our own URI), drawn as an image with a text alternative.
      qr: qr && `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`,
      secretGroups: setup?.secret.match(/.{1,4}/g)?.join(' '),
      error: page.error,
      csrfToken: csrfToken(ctx),
      switchPath: `/interaction/${loaded.details.uid}/second-factor`,
    },
    page.status,
  );
}

/**
 * The first set-up's proof: the page that asks for the code sent to the verified email (else mobile), sending one
 * when none waits yet (`sendIfNone`: only a GET sends; a refused code is answered without sending another). No
 * verified contact: the page that says what to do, 403.
 */
async function renderProof(
  ctx: Context,
  s: Services,
  loaded: LoadedInteraction,
  person: Person | undefined,
  page: PageState,
  sendIfNone: boolean,
) {
  const t = translator(chooseLocale(ctx));
  const uid = loaded.details.uid;
  const target = person && s.setupProof.target(person);
  if (!person || !target) return renderNoContact(ctx, loaded);
  let sent: SentTo | undefined = await s.setupProof.pending(uid, person.id);
  // Too many wrong codes today: the page says until when, and sends nothing meanwhile.
  if (!page.error && (await dayWaitSeconds(s.throttle, person.id)) > 0) page = await limitedPage(ctx, s, person.id);
  else if (!sent && sendIfNone) {
    const result = await s.setupProof.send(uid, person, ctx.ip);
    if (result === 'none') return renderNoContact(ctx, loaded);
    if ('limited' in result) {
      ctx.set('Retry-After', String(result.limited));
      page = { error: t('secondFactor.proof.sendLimited'), status: 429 };
    } else sent = result;
  }
  const to = sent ?? target;
  renderPage(
    ctx,
    'sign-in/second-factor-proof',
    {
      pageTitle: withMistakes(t, !!page.error, t('secondFactor.proof.title')),
      uid,
      clientName: loaded.clientName,
      sentLine: sent
        ? t(to.channel === 'email' ? 'secondFactor.proof.sentEmail' : 'secondFactor.proof.sentSms', { to: to.masked })
        : undefined,
      notice: page.notice,
      error: page.error,
      csrfToken: csrfToken(ctx),
      switchPath: `/interaction/${uid}/second-factor`,
      // A refused code stands for the page: reload and Back ask for it again, never post the code again (a try).
      formPage: `/interaction/${uid}/second-factor`,
      oneTimeQuery: ['sent'],
    },
    page.status,
  );
}

/** No verified email or mobile to send the code to: what to do, and the ways on (back to the app; sign out). */
function renderNoContact(ctx: Context, loaded: LoadedInteraction) {
  const t = translator(chooseLocale(ctx));
  renderPage(
    ctx,
    'sign-in/second-factor-no-contact',
    {
      pageTitle: t('secondFactor.noContact.title'),
      uid: loaded.details.uid,
      clientName: loaded.clientName,
      // Signed in already on this browser (a step up): signing out is a way on too.
      signOut: !!loaded.details.session?.accountId,
      csrfToken: csrfToken(ctx),
      switchPath: `/interaction/${loaded.details.uid}/second-factor`,
    },
    403,
  );
}

/** The first factor waiting for this step: kept by the sign-in, or this browser's session (a step up). */
async function firstFactorOf(s: Services, loaded: LoadedInteraction) {
  const kept = await s.secondFactor.firstFactors.peek(loaded.details.uid);
  if (kept) return kept;
  const { session, prompt } = loaded.details;
  const onlyTheSecond = prompt.reasons.length === 1 && prompt.reasons[0] === 'second_factor_required';
  if (!session?.accountId || !onlyTheSecond) return undefined;
  // A step up keeps the session's sign-in time (a password changed since then ends it, as it would the session).
  const loginTs = session.cookie ? (await s.provider().Session.find(session.cookie))?.loginTs : undefined;
  const stepUp = { personId: session.accountId, amr: session.amr ?? ['pwd'], remember: true, ts: loginTs };
  await s.secondFactor.firstFactors.save(loaded.details.uid, stepUp);
  return stepUp;
}

export function showSecondFactor(s: Services) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const first = await firstFactorOf(s, loaded);
    if (!first) return seeOther(ctx, `/interaction/${loaded.details.uid}`);
    const t = translator(chooseLocale(ctx));
    const notice = ctx.query.sent === 'again' ? t('secondFactor.proof.sentAgain') : undefined;
    await render(ctx, s, loaded, first.personId, { notice }, true);
  };
}

/**
 * The proof step's interaction and its first factor; undefined when the browser was sent on instead (no first factor:
 * back to the sign-in; the proof already made: on to the set-up).
 */
async function proofStep(ctx: Context, s: Services) {
  const loaded = await loadInteraction(ctx, s, 'login');
  const uid = loaded.details.uid;
  const first = await s.secondFactor.firstFactors.peek(uid);
  if (!first) return seeOther(ctx, `/interaction/${uid}`);
  if (await setupAllowed(s, uid, first.personId)) return seeOther(ctx, `/interaction/${uid}/second-factor`);
  return { loaded, uid, first };
}

const ProofForm = z.object({ code: z.string().max(20).catch('') });

/** POST …/second-factor/proof: the code sent to the verified contact; the right one leads on to the set-up. */
export function submitProof(s: Services) {
  return async (ctx: Context) => {
    const step = await proofStep(ctx, s);
    if (!step) return;
    const { loaded, uid, first } = step;
    const t = translator(chooseLocale(ctx));
    const code = ProofForm.parse(ctx.request.body ?? {}).code.replace(/\s/g, '');
    const again = (page: PageState) => render(ctx, s, loaded, first.personId, page);
    if (!/^\d{6}$/.test(code)) return again({ error: t('secondFactor.proof.format'), status: 400 });
    const check = await s.setupProof.check(uid, { personId: first.personId, address: ctx.ip }, code);
    if (check.result === 'wrong' || check.result === 'limited' || check.result === 'too_many')
      await s.audit.record({
        actor: first.personId,
        action: 'sign_in.failure',
        subject: first.personId,
        detail: {
          client: loaded.clientId,
          reason: check.result === 'limited' ? 'second_factor_limited' : 'second_factor_wrong',
        },
      });
    if (check.result === 'ok') return seeOther(ctx, `/interaction/${uid}/second-factor`);
    if (check.result === 'limited') return again(await limitedPage(ctx, s, first.personId));
    if (check.result === 'wrong')
      return again({ error: t('secondFactor.proof.wrong', { count: check.triesLeft }), status: 400 });
    return again({
      error: t(`secondFactor.proof.${check.result === 'too_many' ? 'tooMany' : 'expired'}`),
      status: 400,
    });
  };
}

/** POST …/second-factor/proof/again: a new code (the one before stops working), at most SETUP_PROOF.again an hour. */
export function sendProofAgain(s: Services) {
  return async (ctx: Context) => {
    const step = await proofStep(ctx, s);
    if (!step) return;
    const { loaded, uid, first } = step;
    const person = await s.people.findById(first.personId);
    const result = person ? await s.setupProof.send(uid, person, ctx.ip, true) : 'none';
    if (result === 'none') return renderNoContact(ctx, loaded);
    if ('limited' in result) {
      ctx.set('Retry-After', String(result.limited));
      const t = translator(chooseLocale(ctx));
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.proof.sendLimited'), status: 429 });
    }
    seeOther(ctx, `/interaction/${uid}/second-factor?sent=again`);
  };
}

export function submitSecondFactor(s: Services, linker: LinkByPassword) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const first = await s.secondFactor.firstFactors.peek(loaded.details.uid);
    if (!first) return seeOther(ctx, `/interaction/${loaded.details.uid}`);
    const t = translator(chooseLocale(ctx));
    // The first set-up only after the code sent to the verified contact (a crafted POST cannot skip it).
    if (!(await setupAllowed(s, loaded.details.uid, first.personId)))
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.proof.first'), status: 403 });
    const code = CodeForm.parse(ctx.request.body ?? {}).code.replace(/\s/g, '');
    const result = await s.secondFactor.check(loaded.details.uid, { personId: first.personId, address: ctx.ip }, code);
    const audit = (outcome: string) =>
      s.audit.record({
        actor: first.personId,
        action: outcome === 'ok' ? 'sign_in.second_factor' : 'sign_in.failure',
        subject: first.personId,
        detail: { client: loaded.clientId, ...(outcome === 'ok' ? {} : { reason: `second_factor_${outcome}` }) },
      });
    await audit(result);
    if (result === 'limited') return render(ctx, s, loaded, first.personId, await limitedPage(ctx, s, first.personId));
    if (result === 'wrong')
      return render(ctx, s, loaded, first.personId, {
        error: t(/^\d{6}$/.test(code) ? 'secondFactor.wrong' : 'secondFactor.format'),
        status: 400,
      });
    await finish(ctx, s, linker, loaded, first, 'otp');
  };
}

/**
 * The second factor passed: an upstream account waiting for it is linked (link-by-password.ts), and the sign-in goes
 * on, once (another tab's submission starts it again).
 */
async function finish(
  ctx: Context,
  s: Services,
  linker: LinkByPassword,
  loaded: LoadedInteraction,
  first: FirstFactor,
  how: 'otp' | 'hwk',
) {
  if (!(await s.secondFactor.firstFactors.take(loaded.details.uid)))
    return seeOther(ctx, `/interaction/${loaded.details.uid}`);
  await linker.secondFactorPassed(loaded.details.uid, first);
  await finishInteraction(
    ctx,
    loaded.details,
    {
      login: {
        accountId: first.personId,
        remember: first.remember,
        amr: [...new Set([...first.amr, how])],
        acr: MFA_ACR,
        // The first factor's time (see FirstFactor.ts): findAccount ends a sign-in older than a password change.
        ts: first.ts ?? Math.floor(Date.now() / 1000),
      },
    },
    false,
  );
}

/** The challenge for the browser: to make the first passkey (nothing set up yet), or to sign with one. */
export function passkeyOptions(s: Services) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const first = await s.secondFactor.firstFactors.peek(loaded.details.uid);
    ctx.set('Cache-Control', 'no-store');
    if (!first) return refuseJson(ctx, 400, 'no_first_factor');
    const uid = loaded.details.uid;
    const signIn = await s.passkeys.authenticationOptions(uid, first.personId);
    if (signIn) {
      ctx.body = { mode: 'sign-in', options: signIn };
      return;
    }
    if (await s.secondFactor.enrolled(first.personId)) return refuseJson(ctx, 400, 'no_passkey');
    // The first passkey only after the code sent to the verified contact.
    if (!(await s.setupProof.proven(uid, first.personId))) return refuseJson(ctx, 403, 'setup_not_proven');
    const person = await s.people.findById(first.personId);
    ctx.body = {
      mode: 'register',
      options: await s.passkeys.registrationOptions(uid, {
        id: first.personId,
        name: person?.name ?? '',
        login: person?.username ?? person?.email ?? first.personId,
      }),
    };
  };
}

const PasskeyForm = z.object({ response: z.string().max(20_000).catch('') });

export function submitPasskey(s: Services, linker: LinkByPassword) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const first = await s.secondFactor.firstFactors.peek(loaded.details.uid);
    if (!first) return seeOther(ctx, `/interaction/${loaded.details.uid}`);
    const t = translator(chooseLocale(ctx));
    if (!(await setupAllowed(s, loaded.details.uid, first.personId)))
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.proof.first'), status: 403 });
    let response: unknown;
    try {
      response = JSON.parse(PasskeyForm.parse(ctx.request.body ?? {}).response);
    } catch {
      response = undefined;
    }
    const result = await s.passkeys.verify(loaded.details.uid, { personId: first.personId, address: ctx.ip }, response);
    await s.audit.record({
      actor: first.personId,
      action: result === 'ok' ? 'sign_in.second_factor' : 'sign_in.failure',
      subject: first.personId,
      detail: {
        client: loaded.clientId,
        method: 'passkey',
        ...(result === 'ok' ? {} : { reason: `second_factor_${result}` }),
      },
    });
    if (result === 'limited') return render(ctx, s, loaded, first.personId, await limitedPage(ctx, s, first.personId));
    if (result === 'wrong')
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.passkeyFailed'), status: 400 });
    await finish(ctx, s, linker, loaded, first, 'hwk');
  };
}
