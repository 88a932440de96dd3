// Passkeys (WebAuthn): the account page's "Add a passkey" form and the login step's
// "Use a passkey" button. The server sends the ceremony's options as JSON (base64url
// for the binary parts); the browser's answer goes back in the form's hidden
// "credential" field, posted as an ordinary form with its CSRF token. Without
// JavaScript or WebAuthn the forms stay hidden and a note says why.

export function base64urlToBuffer(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes.buffer;
}

export function bufferToBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function withBuffers(descriptors) {
  return (descriptors || []).map((descriptor) => ({
    ...descriptor,
    id: base64urlToBuffer(descriptor.id),
  }));
}

function csrfToken(form) {
  const input = [...form.querySelectorAll("input")].find((el) => el.name.endsWith("csrf_token"));
  return input ? input.value : "";
}

async function fetchOptions(form) {
  const response = await fetch(form.dataset.optionsUrl, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    credentials: "same-origin",
  });
  const options = await response.json();
  if (!response.ok) throw new Error(options.error || "The server refused to start.");
  return options;
}

function credentialJSON(credential) {
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: bufferToBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    response: { clientDataJSON: bufferToBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = bufferToBase64url(response.attestationObject);
    if (typeof response.getTransports === "function") {
      json.response.transports = response.getTransports();
    }
  } else {
    json.response.authenticatorData = bufferToBase64url(response.authenticatorData);
    json.response.signature = bufferToBase64url(response.signature);
    if (response.userHandle) json.response.userHandle = bufferToBase64url(response.userHandle);
  }
  return JSON.stringify(json);
}

async function create(options) {
  const publicKey = {
    ...options,
    challenge: base64urlToBuffer(options.challenge),
    user: { ...options.user, id: base64urlToBuffer(options.user.id) },
    excludeCredentials: withBuffers(options.excludeCredentials),
  };
  return navigator.credentials.create({ publicKey });
}

async function get(options) {
  const publicKey = {
    ...options,
    challenge: base64urlToBuffer(options.challenge),
    allowCredentials: withBuffers(options.allowCredentials),
  };
  return navigator.credentials.get({ publicKey });
}

function enhance(form, ceremony) {
  const note = document.querySelector("[data-passkey-needs-script]");
  if (note) note.hidden = true;
  form.hidden = false;
  const error = form.querySelector("[data-passkey-error]");
  let ready = false;
  form.addEventListener("submit", async (event) => {
    if (ready) return; // the credential is in: let the form go
    event.preventDefault();
    if (error) error.hidden = true;
    try {
      const credential = await ceremony(await fetchOptions(form));
      if (!credential) throw new Error("No passkey was chosen.");
      form.querySelector("input[name$='credential']").value = credentialJSON(credential);
      ready = true;
      form.requestSubmit();
    } catch (problem) {
      if (error) {
        error.textContent = `The passkey did not work: ${problem.message}`;
        error.hidden = false;
      }
    }
  });
}

export function enhancePasskeys(root = document) {
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  root.querySelectorAll("form[data-passkey-add]").forEach((form) => enhance(form, create));
  root.querySelectorAll("form[data-passkey-login]").forEach((form) => enhance(form, get));
}
