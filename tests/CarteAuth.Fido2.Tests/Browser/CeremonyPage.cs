namespace CarteAuth.Fido2.Tests.Browser;

/// <summary>
/// The test page: register, usernameless sign-in (discoverable credential) and sign-in as a named user; vanilla JS, the W3C JSON helpers of WebAuthn L3 (§5.1.9/§5.1.10
/// <c>parseCreationOptionsFromJSON</c> / <c>parseRequestOptionsFromJSON</c>, §5.1.8 <c>toJSON</c>). The outcome is shown
/// in <c>#status</c>: <c>data-state</c> = busy | accepted | refused | error, <c>data-run</c> counts finished ceremonies
/// (so a test waits for ITS ceremony), <c>data-code</c>, <c>data-credential-id</c>, <c>data-sign-count</c>, <c>data-user-verified</c> echo the
/// server's answer and the text is what a person reads.
/// </summary>
internal static class CeremonyPage
{
    /// <summary>Client-side bound on one ceremony (the server options also say 30 s).</summary>
    public const int CeremonyTimeoutMs = 20_000;

    /// <summary>The page HTML.</summary>
    public static readonly string Html = Template.Replace("CEREMONY_TIMEOUT", CeremonyTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private const string Template = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>CarteAuth WebAuthn browser test</title></head>
        <body>
          <h1>CarteAuth WebAuthn browser test</h1>
          <button id="register" type="button">Register a security key</button>
          <button id="sign-in" type="button">Sign in with a passkey</button>
          <label>User name <input id="user-name" value="isabelle.donnat-gady" autocomplete="username webauthn"></label>
          <button id="sign-in-as" type="button">Sign in as this user</button>
          <p><output id="status" data-state="idle" data-run="0">idle</output></p>
          <p id="detail"></p>
          <script>
          'use strict';
          const status = document.getElementById('status');
          const detail = document.getElementById('detail');
          let runs = 0;

          function show(state, text, outcome) {
            status.dataset.code = outcome ? outcome.reasonCode : '';
            status.dataset.credentialId = outcome && outcome.credentialId ? outcome.credentialId : '';
            status.dataset.signCount = outcome && outcome.signCount != null ? String(outcome.signCount) : '';
            status.dataset.userVerified = outcome && outcome.userVerified != null ? String(outcome.userVerified) : '';
            status.dataset.browserCredentialId = '';
            detail.textContent = outcome ? outcome.message : '';
            status.textContent = text;
            status.dataset.state = state;
          }

          async function post(path, body) {
            const response = await fetch(path, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body === undefined ? {} : body),
              signal: AbortSignal.timeout(10000),
            });
            if (!response.ok) throw new Error(path + ' answered HTTP ' + response.status);
            return response.json();
          }

          async function ceremony(kind, userName) {
            show('busy', kind + ' in progress');
            let finalState, text, outcome, browserId = '';
            try {
              let credential;
              if (kind === 'registration') {
                const options = PublicKeyCredential.parseCreationOptionsFromJSON(await post('/carteauth/fido2/registration/options'));
                credential = await navigator.credentials.create({ publicKey: options, signal: AbortSignal.timeout(CEREMONY_TIMEOUT) });
              } else {
                const options = PublicKeyCredential.parseRequestOptionsFromJSON(await post('/carteauth/fido2/authentication/options', userName ? { userName } : {}));
                credential = await navigator.credentials.get({ publicKey: options, signal: AbortSignal.timeout(CEREMONY_TIMEOUT) });
              }
              browserId = credential.id;
              outcome = await post('/carteauth/fido2/' + kind, credential.toJSON());
              finalState = outcome.ok ? 'accepted' : 'refused';
              text = (outcome.ok ? kind + ' accepted' : kind + ' refused: ' + outcome.reasonCode);
            } catch (e) {
              finalState = 'error';
              text = 'browser error: ' + e.name + ': ' + e.message;
            }
            show(finalState, text, outcome);
            status.dataset.browserCredentialId = browserId;
            status.dataset.run = String(++runs);
          }

          document.getElementById('register').addEventListener('click', () => ceremony('registration'));
          document.getElementById('sign-in').addEventListener('click', () => ceremony('authentication'));
          document.getElementById('sign-in-as').addEventListener('click', () => ceremony('authentication', document.getElementById('user-name').value));
          </script>
        </body>
        </html>
        """;
}
