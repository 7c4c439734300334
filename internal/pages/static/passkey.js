// Passkeys on Bizy's pages: "Sign in with a passkey" on the sign-in page
// and "Add a passkey" on the account page. Served as a file because the
// pages' Content-Security-Policy allows no inline script. Each button
// carries the page's CSRF token; the server does the WebAuthn checks.
(function () {
  "use strict";

  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // decodeOptions turns the JSON form of the options into what
  // navigator.credentials takes (binary ids and challenge).
  function decodeOptions(o) {
    o.challenge = fromB64url(o.challenge);
    if (o.user) o.user.id = fromB64url(o.user.id);
    (o.excludeCredentials || []).concat(o.allowCredentials || []).forEach(function (c) {
      c.id = fromB64url(c.id);
    });
    return o;
  }

  // encodeCredential is PublicKeyCredential.toJSON(), for browsers without it.
  function encodeCredential(c) {
    if (typeof c.toJSON === "function") return c.toJSON();
    var r = c.response, out = {
      id: c.id, rawId: toB64url(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) out.response.userHandle = toB64url(r.userHandle);
    }
    return out;
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json" },
      body: new URLSearchParams(fields)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(body.error || "Something went wrong. Try again.");
        return body;
      });
    });
  }

  function showError(err) {
    var box = document.getElementById("passkey-error");
    if (!box) return;
    box.textContent = err && err.name === "NotAllowedError" ? "The passkey prompt was closed." : (err.message || String(err));
    box.hidden = false;
  }

  function supported(button) {
    if (window.PublicKeyCredential && navigator.credentials) return true;
    button.disabled = true;
    showError(new Error("This browser does not support passkeys."));
    return false;
  }

  var signin = document.getElementById("passkey-signin");
  if (signin && supported(signin)) {
    signin.addEventListener("click", function () {
      var csrf = signin.dataset.csrf;
      signin.disabled = true;
      post("/ui/passkey/begin", { csrf: csrf }).then(function (begin) {
        return navigator.credentials.get({ publicKey: decodeOptions(begin.publicKey) }).then(function (cred) {
          return post("/ui/passkey/finish", {
            csrf: csrf, flow_id: begin.flow_id, return_to: signin.dataset.returnTo || "",
            credential: JSON.stringify(encodeCredential(cred))
          });
        });
      }).then(function (done) { window.location.assign(done.redirect); })
        .catch(function (err) { signin.disabled = false; showError(err); });
    });
  }

  var add = document.getElementById("passkey-add");
  if (add && supported(add)) {
    add.addEventListener("click", function () {
      var csrf = add.dataset.csrf, name = document.getElementById("passkey-name").value;
      add.disabled = true;
      post("/ui/account/passkeys/begin", { csrf: csrf }).then(function (begin) {
        return navigator.credentials.create({ publicKey: decodeOptions(begin.publicKey) }).then(function (cred) {
          return post("/ui/account/passkeys/finish", {
            csrf: csrf, flow_id: begin.flow_id, name: name,
            credential: JSON.stringify(encodeCredential(cred))
          });
        });
      }).then(function (done) { window.location.assign(done.redirect); })
        .catch(function (err) { add.disabled = false; showError(err); });
    });
  }
})();
