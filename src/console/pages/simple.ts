import { type Content, html } from '../../compare/html/fragment.js';
import { actionForm, layout } from '../layout.js';
import type { Session } from '../session.js';

/** The sign-in form: the admin token, posted to /console/sign-in. */
export function signInPage(problem: string | null): string {
  return layout(
    { title: 'Sign in', notice: problem ? { kind: 'problem', text: problem } : null },
    html`<form class="stack" method="post" action="/console/sign-in">
<label for="token">Admin token (ADMIN_TOKEN)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required>
<div><button type="submit">Sign in</button></div>
</form>`,
  );
}

/** A confirmation: what will happen (and to how many), a button that does it, a way back. */
export function confirmPage(
  session: Session,
  title: string,
  what: Content,
  action: string,
  button: string,
  back: string,
  hidden: Record<string, string> = {},
): string {
  return layout(
    { title, session },
    html`<p>${what}</p>
<div class="actions">
${actionForm(session, action, button, hidden, 'danger')}
<a href="${back}">No, go back</a>
</div>`,
  );
}

/** Why something was not done, with a way back. */
export function problemPage(
  session: Session | undefined,
  title: string,
  message: string,
  back = '/console',
): string {
  return layout(
    { title, ...(session ? { session } : {}), notice: { kind: 'problem', text: message } },
    html`<p><a href="${back}">Back</a></p>`,
  );
}
