// The popup: shows one of three states and sends each step to the service worker. It holds
// nothing but what is on screen; the worker and extension storage hold the flow and the key.
const $ = (id) => document.getElementById(id);

async function send(type, fields = {}) {
  const answer = await chrome.runtime.sendMessage({ type, ...fields });
  if (!answer) throw { message: 'The extension did not answer; close and reopen the popup.' };
  if (!answer.ok) throw answer.error;
  return answer.result;
}

function render(status) {
  document.body.dataset.state = status.state;
  for (const el of document.querySelectorAll('[data-for]')) el.hidden = el.dataset.for !== status.state;
  if (status.state === 'signed-out') $('backend').textContent = status.baseUrl;
  if (status.state === 'code-sent') $('sent-to').textContent = status.email;
  if (status.state === 'signed-in') {
    $('who').textContent = status.email ?? status.profile;
    $('key').textContent = status.maskedKey; // masked by the worker: the raw key never gets here
  }
}

function showError(e) {
  const box = $('error');
  if (!e) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  const next = e.nextAction;
  let text = e.message ?? String(e);
  if (next?.kind === 'request_new_code') text += ' Send a new code and try again.';
  else if (next?.kind === 'wait' && next.retryAfterSeconds) text += ` Try again in ${next.retryAfterSeconds} s.`;
  box.textContent = text;
  box.hidden = false;
}

/** Runs one step with the buttons disabled; renders its answer or its error. */
async function step(type, fields) {
  const buttons = [...document.querySelectorAll('button')];
  buttons.forEach((b) => { b.disabled = true; });
  showError(null);
  try {
    render(await send(type, fields));
    return true;
  } catch (e) {
    showError(e);
    try {
      render(await send('status'));
    } catch {}
    return false;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

$('email-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  step('request-code', { email: $('email').value.trim() }).then((ok) => ok && $('code').focus());
});
$('code-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  step('submit-code', { code: $('code').value }).then((ok) => { if (ok) $('code').value = ''; });
});
$('resend').addEventListener('click', () => step('resend-code'));
$('restart').addEventListener('click', () => step('cancel'));
$('sign-out').addEventListener('click', () => step('sign-out'));

step('status');
