using System.Globalization;
using System.Security.Claims;
using System.Text;
using CarteAuth.AspNetCore;
using CarteAuth.Audit;
using CarteAuth.Pairing;
using static System.Net.WebUtility;

namespace CarteAuth.Samples.HospitalPortal;

/// <summary>
/// The portal's pages: plain server-rendered HTML and <c>/carteauth/carteauth.js</c>, no framework. Elements the
/// browser tests read carry ids (<c>#idnat</c>, <c>#amr</c>, <c>#journal</c>…).
/// </summary>
internal static class PortalPages
{
    /// <summary>How many audit events the journal shows at most.</summary>
    public const int JournalSize = 100;

    /// <summary>Where the sign-out of a PSC session continues: Pro Santé Connect's end-session endpoint.</summary>
    public const string PscLogoutPath = "/deconnexion-psc";

    public static void Map(WebApplication app)
    {
        app.MapGet("/", HomeAsync).RequireAuthorization();
        app.MapGet(HospitalPortalApp.LoginPath, Login).AllowAnonymous();
        app.MapGet("/planning", Planning).RequireAuthorization("planning");
        app.MapGet("/dossier-patient", DossierPatient).RequireAuthorization("dossier-patient");
        app.MapGet("/cles", Keys).RequireAuthorization(HospitalPortalApp.KeyRegistrationPolicy);
        app.MapGet("/sessions", Sessions).RequireAuthorization();
        app.MapGet("/journal", JournalAsync).RequireAuthorization();
        app.MapGet(PscLogoutPath, PscLogoutAsync).AllowAnonymous();
    }

    private static async Task<IResult> HomeAsync(HttpContext http, IPairingStore pairings)
    {
        var user = http.User;
        var body = new StringBuilder();
        body.Append("<h1>Qui suis-je ?</h1><dl id=\"whoami\">");
        Row(body, "idnat", "idNat", Claim(user, CarteAuthClaimTypes.NationalId));
        Row(body, "name", "Nom", $"{Claim(user, CarteAuthClaimTypes.GivenName)} {Claim(user, CarteAuthClaimTypes.FamilyName)}".Trim());
        Row(body, "profession", "Profession (TRE_G15)", Claim(user, CarteAuthClaimTypes.Profession));
        Row(body, "amr", "Méthodes (amr)", string.Join(' ', user.FindAll(CarteAuthClaimTypes.AuthenticationMethod).Select(c => c.Value)));
        Row(body, "acr", "acr", Claim(user, CarteAuthClaimTypes.AuthenticationContextClass));
        Row(body, "level", "Niveau eIDAS", Claim(user, CarteAuthClaimTypes.AssuranceLevel));
        Row(body, "authenticator", "Authentificateur", Claim(user, CarteAuthClaimTypes.Authenticator));
        Row(body, "phr", "Résistant à l'hameçonnage", Claim(user, CarteAuthClaimTypes.PhishingResistant));
        var authTime = long.TryParse(Claim(user, CarteAuthClaimTypes.AuthenticationTime), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("u", CultureInfo.InvariantCulture)
            : string.Empty;
        Row(body, "auth-time", "Authentifié à", authTime);
        Row(body, "sid", "Session", Claim(user, CarteAuthClaimTypes.SessionId));
        body.Append("</dl>");

        // HOSPI-Connect pairing ("appairage"): the local account linked to this idNat by a national sign-in.
        var idNat = Claim(user, CarteAuthClaimTypes.NationalId);
        var pairing = idNat.Length == 0 ? null : await pairings.GetByNationalIdAsync(idNat, http.RequestAborted).ConfigureAwait(false);
        var state = pairing is null ? "never" : pairing.IsActive ? "paired" : "unpaired";
        body.Append(CultureInfo.InvariantCulture, $"<h2>Appairage HOSPI-Connect</h2><dl id=\"pairing\" data-state=\"{state}\">");
        Row(body, "pairing-state", "État", state switch
        {
            "paired" => "Compte local appairé à l'identité nationale",
            "unpaired" => "Désappairé (une connexion par carte ou PSC appaire à nouveau)",
            _ => "Jamais appairé (une connexion par carte ou PSC appaire)",
        });
        Row(body, "local-account", "Compte local", pairing?.LocalAccountId ?? string.Empty);
        Row(body, "session-local-account", "Compte local de cette session", Claim(user, CarteAuthClaimTypes.LocalAccount));
        Row(body, "paired-at", "Appairé le", pairing?.PairedAt.ToString("u", CultureInfo.InvariantCulture) ?? string.Empty);
        Row(body, "paired-by", "Appairé via", pairing is null ? string.Empty : $"{pairing.PairedByAuthenticator} ({pairing.PairedByMethods}, {pairing.PairedByAssurance.ToString().ToLowerInvariant()})");
        body.Append("</dl>");
        return Page(http, "Accueil", body.ToString());
    }

    private static IResult Login(HttpContext http, PortalSettings settings)
    {
        var psc = settings.PscEnabled
            ? "<section id=\"method-psc\" hidden><h2>Pro Santé Connect</h2><p>Carte CPS ou e-CPS, via le fournisseur national (ici le simulateur).</p><button id=\"login-psc\">Se connecter avec Pro Santé Connect</button></section>"
            : "<p id=\"psc-unavailable\">Pro Santé Connect n'est pas disponible : le simulateur PSC n'a pas démarré (voir la console du portail).</p>";
        var body = $$"""
            <h1>Connexion</h1>
            <p id="error" class="error" hidden></p>
            <p id="step-up" hidden></p>
            <section id="method-card" hidden>
              <h2>Carte CPS</h2>
              <p>Le navigateur présente le certificat de la carte (démo : importez <code>pki/cards/doctor.pfx</code> du dossier de données, mot de passe <code>{{HtmlEncode(DevEnvironment.CardPfxPassword)}}</code>).</p>
              <button id="login-card">Se connecter avec la carte</button>
            </section>
            <section id="method-key" hidden>
              <h2>Clé de sécurité (FIDO2)</h2>
              <p>Une clé enregistrée dans « Mes clés » après une connexion par carte.</p>
              <button id="login-key">Se connecter avec une clé</button>
            </section>
            {{psc}}
            <p id="no-method" hidden>Aucune méthode de connexion de ce portail ne satisfait cette exigence.</p>
            <script>
            (function () {
              var context = CarteAuth.loginContext();
              var rank = { low: 0, substantial: 1, high: 2 };
              // What each method proves (docs/aspnetcore.md, docs/oidc.md): RFC 8176 amr, eIDAS level, phishing resistance.
              var methods = [
                { id: "card", level: "high", amr: ["sc", "pin", "hwk"], phr: true, factors: 2 },
                { id: "key", level: "substantial", amr: ["hwk", "pin", "mfa"], phr: true, factors: 2 },
                { id: "psc", level: "substantial", amr: ["sc", "pin", "mfa"], phr: false, factors: 2 }
              ];
              function satisfies(m, s) {
                if (!s) return true;
                if (s.level && rank[m.level] < rank[s.level]) return false;
                if (s.methods.length && !s.methods.some(function (x) { return m.amr.indexOf(x) >= 0; })) return false;
                if (s.required.some(function (x) { return m.amr.indexOf(x) < 0; })) return false;
                if (s.phishingResistant && !m.phr) return false;
                return (s.factors || 1) <= m.factors;
              }
              var shown = 0;
              methods.forEach(function (m) {
                var section = document.getElementById("method-" + m.id);
                if (section && satisfies(m, context.stepUp)) { section.hidden = false; shown++; }
              });
              document.getElementById("no-method").hidden = shown > 0;
              if (context.stepUp) {
                var p = document.getElementById("step-up");
                p.hidden = false;
                p.dataset.level = context.stepUp.level || "";
                p.textContent = "Cette page demande une authentification plus forte : niveau " + context.stepUp.level +
                  (context.stepUp.required.length ? ", " + context.stepUp.required.join(", ") : "") +
                  (context.stepUp.phishingResistant ? ", résistante à l'hameçonnage" : "") +
                  (context.policy ? " (politique " + context.policy + ")" : "") + ".";
              }
              function showError(code) {
                var e = document.getElementById("error");
                e.hidden = false;
                e.dataset.reasonCode = code;
                e.textContent = "La connexion a échoué : " + code;
              }
              if (context.error) showError(context.error);
              document.getElementById("login-card").onclick = function () { CarteAuth.signInWithCard(); };
              document.getElementById("login-key").onclick = function () {
                CarteAuth.signInWithKey().catch(function (e) { showError(e.reasonCode || e.name || "webauthn.failed"); });
              };
              var psc = document.getElementById("login-psc");
              if (psc) psc.onclick = function () { CarteAuth.signInWithPsc(); };
            })();
            </script>
            """;
        return Page(http, "Connexion", body);
    }

    private static IResult Planning(HttpContext http) => Page(http, "Planning", """
        <h1 id="page-title">Planning du service</h1>
        <p>Niveau substantiel suffisant (politique <code>planning</code>).</p>
        <table><tr><th>Jour</th><th>Garde</th></tr><tr><td>Lundi</td><td>Dr DONNAT-GADY</td></tr><tr><td>Mardi</td><td>Dr MARTIN</td></tr></table>
        """);

    private static IResult DossierPatient(HttpContext http) => Page(http, "Dossier patient", """
        <h1 id="page-title">Dossier patient</h1>
        <p>Accès réservé : carte CPS (ou clé attestée) avec code PIN, niveau élevé, résistant à l'hameçonnage (politique <code>dossier-patient</code>).</p>
        <p>Patient fictif : DUPONT Jeanne, née le 01/01/1950. Allergies : pénicilline.</p>
        """);

    private static IResult Keys(HttpContext http) => Page(http, "Mes clés", """
        <h1 id="page-title">Mes clés de sécurité</h1>
        <p>Enregistrez une clé FIDO2 (ou une passkey) pour vous connecter sans carte aux pages de niveau substantiel.
        L'enregistrement demande une session ouverte avec une carte CPS (politique <code>enregistrement-cle</code>) et un
        compte local appairé à votre identité nationale (appairage HOSPI-Connect).</p>
        <p id="pairing-status" role="status"></p>
        <button id="register-key">Enregistrer une clé</button>
        <p id="register-status" role="status"></p>
        <table id="keys"><thead><tr><th>Clé (AAGUID)</th><th>Enregistrée le</th><th>Dernière utilisation</th><th>Attestation</th><th></th></tr></thead><tbody></tbody></table>
        <p id="keys-status" role="status"></p>
        <h2>Désappairer</h2>
        <p>Le désappairage supprime le lien entre votre compte local et votre identité nationale : vos clés sont supprimées
        et les sessions ouvertes avec une clé sont terminées. La prochaine connexion par carte ou Pro Santé Connect appaire à nouveau.</p>
        <button id="unpair">Désappairer</button>
        <div id="unpair-confirm" hidden>
          <p>Confirmez-vous le désappairage ? Vos clés seront supprimées.</p>
          <button id="unpair-yes">Confirmer le désappairage</button> <button id="unpair-no">Annuler</button>
        </div>
        <p id="unpair-status" role="status"></p>
        <script>
        (function () {
          var tbody = document.querySelector("#keys tbody");
          function cell(row, text) { var td = document.createElement("td"); td.textContent = text || ""; row.appendChild(td); return td; }
          function date(value) { return value ? new Date(value).toLocaleString() : "jamais"; }
          function loadPairing() {
            return CarteAuth.pairing().then(function (p) {
              var status = document.getElementById("pairing-status");
              status.dataset.paired = p.paired ? "true" : "false";
              status.textContent = p.paired
                ? "Compte local " + p.localAccountId + ", appairé le " + new Date(p.pairedAt).toLocaleString() + " via " + p.pairedBy + "."
                : "Non appairé : reconnectez-vous avec la carte (ou Pro Santé Connect) pour appairer votre compte local.";
              document.getElementById("unpair").hidden = !p.paired;
            });
          }
          function loadKeys() {
            return CarteAuth.keys().then(function (list) {
              tbody.textContent = "";
              list.forEach(function (k) {
                var row = document.createElement("tr");
                row.dataset.keyId = k.id;
                cell(row, k.aaguid);
                cell(row, date(k.createdAt));
                cell(row, date(k.lastUsedAt));
                cell(row, k.attestationTrusted ? "de confiance" : "non vérifiée");
                var b = document.createElement("button");
                b.textContent = "Supprimer";
                b.className = "delete-key";
                b.onclick = function () {
                  CarteAuth.deleteKey(k.id).then(function () {
                    document.getElementById("keys-status").dataset.result = "deleted";
                    return loadKeys();
                  }, function (e) {
                    document.getElementById("keys-status").dataset.result = "failed";
                    document.getElementById("keys-status").textContent = "Échec de la suppression : " + (e.reasonCode || e.message);
                  });
                };
                cell(row, "").appendChild(b);
                tbody.appendChild(row);
              });
              var status = document.getElementById("keys-status");
              status.dataset.count = String(list.length);
              if (status.dataset.result !== "failed") status.textContent = list.length + " clé(s).";
            });
          }
          document.getElementById("register-key").onclick = function () {
            var status = document.getElementById("register-status");
            delete status.dataset.result;
            status.textContent = "…";
            CarteAuth.registerKey().then(function () {
              status.dataset.result = "registered";
              status.textContent = "Clé enregistrée.";
              return loadKeys();
            }, function (e) {
              status.dataset.result = "failed";
              status.dataset.reasonCode = e.reasonCode || e.name || "";
              status.textContent = "Échec de l'enregistrement : " + (e.reasonCode || e.message);
            });
          };
          document.getElementById("unpair").onclick = function () { document.getElementById("unpair-confirm").hidden = false; };
          document.getElementById("unpair-no").onclick = function () { document.getElementById("unpair-confirm").hidden = true; };
          document.getElementById("unpair-yes").onclick = function () {
            document.getElementById("unpair-confirm").hidden = true;
            var status = document.getElementById("unpair-status");
            CarteAuth.unpair().then(function (r) {
              if (r.signedOut) { location.assign("/login"); return; }
              status.dataset.result = "unpaired";
              status.dataset.keysDeleted = String(r.keysDeleted);
              status.textContent = "Désappairé : " + r.keysDeleted + " clé(s) supprimée(s), " + r.sessionsEnded + " session(s) par clé terminée(s).";
              return Promise.all([loadPairing(), loadKeys()]);
            }, function (e) {
              status.dataset.result = "failed";
              status.dataset.reasonCode = e.reasonCode || "";
              status.textContent = "Échec du désappairage : " + (e.reasonCode || e.message);
            });
          };
          Promise.all([loadPairing(), loadKeys()]).then(function () { document.body.dataset.loaded = "true"; });
        })();
        </script>
        """);

    private static IResult Sessions(HttpContext http) => Page(http, "Sessions", """
        <h1 id="page-title">Mes sessions</h1>
        <table id="sessions"><thead><tr><th>Authentificateur</th><th>Ouverte le</th><th>Dernière activité</th><th>Adresse</th><th>Navigateur</th><th></th></tr></thead><tbody></tbody></table>
        <p><button id="logout-everywhere">Se déconnecter partout</button></p>
        <p id="sessions-status" role="status"></p>
        <script>
        (function () {
          var tbody = document.querySelector("#sessions tbody");
          function cell(row, text) { var td = document.createElement("td"); td.textContent = text || ""; row.appendChild(td); return td; }
          function load() {
            CarteAuth.sessions().then(function (list) {
              tbody.textContent = "";
              list.forEach(function (s) {
                var row = document.createElement("tr");
                row.dataset.sessionId = s.id;
                if (s.current) row.dataset.current = "true";
                cell(row, s.authenticator + (s.current ? " (cette session)" : ""));
                cell(row, new Date(s.createdAt).toLocaleString());
                cell(row, new Date(s.lastSeenAt).toLocaleString());
                cell(row, s.clientAddress);
                cell(row, s.userAgent);
                var td = cell(row, "");
                if (!s.current) {
                  var b = document.createElement("button");
                  b.textContent = "Terminer";
                  b.className = "end-session";
                  b.onclick = function () { CarteAuth.endSession(s.id).then(load); };
                  td.appendChild(b);
                }
                tbody.appendChild(row);
              });
              document.getElementById("sessions-status").textContent = list.length + " session(s) active(s).";
            });
          }
          document.getElementById("logout-everywhere").onclick = function () {
            CarteAuth.logoutEverywhere().then(function () { location.assign("/login"); });
          };
          load();
        })();
        </script>
        """);

    /// <summary>The audit trail of this professional (newest first), this session's events marked.</summary>
    private static async Task<IResult> JournalAsync(HttpContext http, IAuditStore audit)
    {
        var idNat = Claim(http.User, CarteAuthClaimTypes.NationalId);
        var sid = Claim(http.User, CarteAuthClaimTypes.SessionId);
        IReadOnlyList<AuditEvent> events = idNat.Length == 0 ? [] : await audit.ReadRecentBySubjectAsync(idNat, JournalSize, http.RequestAborted).ConfigureAwait(false);

        var body = new StringBuilder();
        body.Append("<h1 id=\"page-title\">Journal</h1><p>Les événements d'audit (chaînés par hachage) de ce professionnel, les plus récents d'abord ; ceux de cette session sont marqués.</p>");
        // The whole chain is checked on each view (a demo: fine for thousands of events, not for a production trail).
        var chain = await AuditChainVerifier.VerifyAsync(audit, ct: http.RequestAborted).ConfigureAwait(false);
        if (chain.IsValid)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p id=\"chain\" data-valid=\"true\">Chaîne d'audit vérifiée : {chain.EventsChecked} événements, hachages intacts.</p>");
        }
        else
        {
            body.Append(CultureInfo.InvariantCulture, $"<p id=\"chain\" data-valid=\"false\" class=\"error\">Chaîne d'audit rompue à l'événement {chain.BrokenAtSequence} ({HtmlEncode(chain.ReasonCode ?? string.Empty)}).</p>");
        }

        body.Append("<table id=\"journal\"><thead><tr><th>#</th><th>Date</th><th>Type</th><th>Résultat</th><th>Authentificateur</th><th>Méthodes</th><th>Politique</th><th>Code</th><th>Session</th></tr></thead><tbody>");
        foreach (var e in events)
        {
            var current = sid.Length > 0 && string.Equals(e.CorrelationId, sid, StringComparison.Ordinal);
            body.Append(CultureInfo.InvariantCulture, $"<tr data-kind=\"{HtmlEncode(e.Kind)}\" data-result=\"{HtmlEncode(e.Result)}\"{(current ? " data-session=\"current\"" : string.Empty)}>");
            foreach (var value in (string?[])[e.Sequence.ToString(CultureInfo.InvariantCulture), e.Timestamp.ToString("u", CultureInfo.InvariantCulture), e.Kind, e.Result, e.Authenticator, e.Methods, e.Policy, e.ReasonCode, current ? "cette session" : string.Empty])
            {
                body.Append("<td>").Append(HtmlEncode(value ?? string.Empty)).Append("</td>");
            }

            body.Append("</tr>");
        }

        body.Append("</tbody></table>");
        return Page(http, "Journal", body.ToString());
    }

    /// <summary>
    /// After the local sign-out of a PSC session, RP-initiated logout at PSC (OpenID Connect RP-Initiated Logout 1.0 §2):
    /// the end-session endpoint with <c>client_id</c> and <c>post_logout_redirect_uri</c> (the portal). CarteAuth keeps no
    /// ID token in its sessions, so there is no <c>id_token_hint</c>: PSC asks the browser to confirm (the simulator's
    /// page confirms by itself), then its back-channel logout reaches the other sessions of that PSC session.
    /// </summary>
    private static async Task<IResult> PscLogoutAsync(HttpContext http, IServiceProvider services)
    {
        if (services.GetService<CarteAuth.Oidc.ProSanteConnectClient>() is not { } psc)
        {
            return Results.Redirect(HospitalPortalApp.LoginPath);
        }

        try
        {
            return Results.Redirect((await psc.CodeFlow.CreateLogoutUrlAsync(null, ct: http.RequestAborted).ConfigureAwait(false)).AbsoluteUri);
        }
        catch (CarteAuth.Oidc.PscException e)
        {
            // PSC unreachable or without an end-session endpoint: the local session is already ended; say why on the login page.
            return Results.Redirect(HospitalPortalApp.LoginPath + "?error=" + Uri.EscapeDataString(e.ReasonCode));
        }
    }

    private static string Claim(ClaimsPrincipal user, string type) => user.FindFirst(type)?.Value ?? string.Empty;

    private static void Row(StringBuilder body, string id, string label, string value) =>
        body.Append(CultureInfo.InvariantCulture, $"<dt>{HtmlEncode(label)}</dt><dd id=\"{id}\">{HtmlEncode(value)}</dd>");

    private static IResult Page(HttpContext http, string title, string body)
    {
        var signedIn = http.User.Identity?.IsAuthenticated == true;
        // A PSC session's sign-out continues at PSC (RP-initiated logout); the others end here.
        var afterLogout = Claim(http.User, CarteAuthClaimTypes.Authenticator) == "psc" ? PscLogoutPath : HospitalPortalApp.LoginPath;
        var nav = signedIn
            ? $$"""
              <nav><a href="/">Accueil</a> <a href="/planning">Planning</a> <a href="/dossier-patient">Dossier patient</a>
              <a href="/cles">Mes clés</a> <a href="/sessions">Sessions</a> <a href="/journal">Journal</a>
              <button id="logout" data-next="{{afterLogout}}">Se déconnecter</button></nav>
              <script>document.getElementById("logout").onclick = function () { CarteAuth.logout().then(function () { location.assign(document.getElementById("logout").dataset.next); }); };</script>
              """
            : "<nav><a href=\"/login\">Connexion</a></nav>";
        var html = $$"""
            <!DOCTYPE html>
            <html lang="fr"><head><meta charset="utf-8"><title>{{HtmlEncode(title)}} · Portail CHU (démo CarteAuth)</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
            nav a { margin-right: .8rem; } nav { border-bottom: 1px solid #ccc; padding-bottom: .5rem; margin-bottom: 1rem; }
            dt { font-weight: bold; } dd { margin: 0 0 .4rem 0; } table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .4rem; font-size: .9rem; }
            .error { color: #a00; } tr[data-session=current] { background: #eef; }
            </style>
            <script src="/carteauth/carteauth.js"></script></head>
            <body>
            {{nav}}
            <main>
            {{body}}
            </main>
            </body></html>
            """;
        // The Content-Security-Policy allows only inline scripts and styles with this response's nonce (PortalSecurityHeaders).
        var nonce = PortalSecurityHeaders.Nonce(http);
        html = html.Replace("<script>", $"<script nonce=\"{nonce}\">", StringComparison.Ordinal).Replace("<style>", $"<style nonce=\"{nonce}\">", StringComparison.Ordinal);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
