// GET/POST /interaction/:uid/second-factor — the second factor after the password or a linked upstream account, when
// the app asked for one (the school back office, the bureau console): a passkey (POST …/passkey/options gives the
// browser its challenge, POST …/passkey its answer) or the 6-digit code from an authenticator app. The first time the
// page sets one up: a passkey, or an app from a QR code of a new secret (and the secret in groups of four, for
// typing), kept once its first code is right. Failures are counted per person. A person already signed in on this
// browser who opens such an app meets only this step.
import type { Context } from 'koa';
import { z } from 'zod';
import { type FirstFactor, MFA_ACR } from '../../domain/people/second-factor.ts';
import { chooseLocale, translator } from '../../platform/i18n/index.ts';
import { refuseJson } from '../../web/api-client.ts';
import { csrfToken } from '../../web/csrf.ts';
import { finishInteraction, type LoadedInteraction, loadInteraction } from '../../web/interaction.ts';
import { renderPage, withMistakes } from '../../web/render.ts';
import { seeOther } from '../../web/respond.ts';
import type { Services } from '../../web/services.ts';
import type { LinkByPassword } from './link-by-password.ts';

const CodeForm = z.object({ code: z.string().max(20).catch('') });

async function render(
  ctx: Context,
  s: Services,
  loaded: LoadedInteraction,
  personId: string,
  page: { error?: string; status?: number } = {},
) {
  const t = translator(chooseLocale(ctx));
  const person = await s.people.findById(personId);
  const hasTotp = await s.secondFactor.enrolled(personId);
  const passkeys = await s.passkeys.count(personId);
  const enrolled = hasTotp || passkeys > 0;
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
    await render(ctx, s, loaded, first.personId);
  };
}

export function submitSecondFactor(s: Services, linker: LinkByPassword) {
  return async (ctx: Context) => {
    const loaded = await loadInteraction(ctx, s, 'login');
    const first = await s.secondFactor.firstFactors.peek(loaded.details.uid);
    if (!first) return seeOther(ctx, `/interaction/${loaded.details.uid}`);
    const t = translator(chooseLocale(ctx));
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
    if (result === 'limited') {
      ctx.set('Retry-After', '900');
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.limited'), status: 429 });
    }
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
    if (result === 'limited') {
      ctx.set('Retry-After', '900');
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.limited'), status: 429 });
    }
    if (result === 'wrong')
      return render(ctx, s, loaded, first.personId, { error: t('secondFactor.passkeyFailed'), status: 400 });
    await finish(ctx, s, linker, loaded, first, 'hwk');
  };
}
