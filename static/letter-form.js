// The letter form without page loads: rows of recipients and demands are added, removed
// and reordered in place, an official is created on the spot, demand texts grow with
// their text, and the chosen file stays chosen. Without JavaScript the form's own
// buttons do all of this with a page load each (tracker/web/letters/editing.py).
import { enhanceAllOfficialSearches } from "./official-search.js";

const ROW_INDEX = /(recipients|demands)-\d+-/g;

const NUMBERED = /(Recipient|Demand|recipient|demand) \d+/;

function renumberWords(el, number) {
  for (const node of el.childNodes) {
    if (node.nodeType === Node.TEXT_NODE && NUMBERED.test(node.textContent)) {
      node.textContent = node.textContent.replace(NUMBERED, `$1 ${number}`);
    }
  }
  const label = el.getAttribute("aria-label");
  if (label) el.setAttribute("aria-label", label.replace(NUMBERED, `$1 ${number}`));
}

// Rows post as recipients-0-..., demands-0-...: after any change, names, ids and labels
// follow the rows' order on the page, and so do the demands' order numbers.
function renumber(list) {
  [...list.children].forEach((row, index) => {
    row.querySelectorAll("[name], [id], label[for], [aria-describedby]").forEach((el) => {
      for (const attribute of ["name", "id", "for", "aria-describedby"]) {
        const value = el.getAttribute(attribute);
        if (value) el.setAttribute(attribute, value.replace(ROW_INDEX, `$1-${index}-`));
      }
    });
    row.querySelectorAll("label, button[aria-label]").forEach((el) => renumberWords(el, index + 1));
    const position = row.querySelector("input[name$='-position']");
    if (position) position.value = String(index + 1);
  });
}

function blankRow(list) {
  const row = list.lastElementChild.cloneNode(true);
  row.querySelectorAll(".error, .combo-list").forEach((el) => el.remove());
  row.querySelectorAll(".has-error").forEach((el) => el.classList.remove("has-error"));
  row.querySelectorAll("input, textarea, select").forEach((el) => {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("role");
    if (el.type === "checkbox") el.checked = false;
    else if (el.tagName === "SELECT") el.selectedIndex = 0;
    else el.value = "";
  });
  return row;
}

function rowButton(text, label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary button-small";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.dataset.rowAction = action;
  return button;
}

function addRowControls(row, kind, index) {
  if (row.querySelector(".row-controls")) return;
  const word = kind === "demands" ? "demand" : "recipient";
  const remove = row.querySelector("input[name$='-remove']")?.closest(".field");
  if (remove) remove.hidden = true; // the button below removes the row itself
  const position = row.querySelector("input[name$='-position']")?.closest(".field");
  if (position) position.hidden = true; // the order is the rows' order
  const controls = document.createElement("div");
  controls.className = "row-controls";
  if (kind === "demands") {
    controls.append(rowButton("Move up", `Move up demand ${index + 1}`, "up"));
    controls.append(rowButton("Move down", `Move down demand ${index + 1}`, "down"));
  }
  controls.append(rowButton("Remove", `Remove ${word} ${index + 1}`, "remove"));
  row.append(controls);
}

function syncExpects(row) {
  const role = row.querySelector("select[name$='-role']");
  const expects = row.querySelector("input[name$='-expects_answer']")?.closest(".field");
  if (role && expects) expects.hidden = role.value !== "cc";
}

function grow(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${textarea.scrollHeight + 2}px`;
}

function say(form, message) {
  const status = form.querySelector(".form-status");
  if (status) status.textContent = message;
}

function setupList(form, kind, onCreate) {
  const list = form.querySelector(`#${kind} ol.rows`);
  if (!list) return null;
  [...list.children].forEach((row, index) => { addRowControls(row, kind, index); syncExpects(row); });
  const add = form.querySelector(`[name='add_${kind === "demands" ? "demand" : "recipient"}']`);
  function addRow() {
    const row = blankRow(list);
    list.append(row);
    row.querySelector(".row-controls")?.remove();
    addRowControls(row, kind, list.children.length - 1);
    renumber(list);
    syncExpects(row);
    enhanceAllOfficialSearches(row, { onCreate });
    return row;
  }
  add?.addEventListener("click", (event) => {
    event.preventDefault();
    const row = addRow();
    row.querySelector("input[type=text], textarea")?.focus();
    say(form, `${kind === "demands" ? "Demand" : "Recipient"} ${list.children.length} added.`);
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-row-action]");
    if (!button) return;
    const row = button.closest("li");
    const action = button.dataset.rowAction;
    if (action === "remove") {
      const next = row.nextElementSibling || row.previousElementSibling;
      if (list.children.length === 1) addRow();
      row.remove();
      renumber(list);
      (next || list.lastElementChild).querySelector("input:not([type=hidden]), textarea")?.focus();
      say(form, "Row removed.");
    } else if (action === "up" && row.previousElementSibling) {
      list.insertBefore(row, row.previousElementSibling);
    } else if (action === "down" && row.nextElementSibling) {
      list.insertBefore(row.nextElementSibling, row);
    }
    if (action !== "remove") {
      renumber(list);
      button.focus();
      say(form, `Demand moved to position ${[...list.children].indexOf(row) + 1}.`);
    }
  });
  list.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-role']")) syncExpects(event.target.closest("li"));
  });
  return { list, addRow };
}

function emptyRecipientRow(recipients) {
  const rows = [...recipients.list.children];
  const empty = rows.find((row) => !row.querySelector("input[name$='-official']").value.trim());
  return empty || recipients.addRow();
}

function setupNewOfficial(form, getRecipients) {
  const details = form.querySelector("details.new-official");
  const button = form.querySelector("[name='add_official']");
  if (!details || !button) return () => {};
  let askingRow = null; // the recipient row whose typed name asked for a new official
  button.addEventListener("click", async (event) => {
    event.preventDefault();
    details.querySelectorAll(".error.quick").forEach((el) => el.remove());
    const data = new FormData();
    for (const name of ["name", "title", "institution", "country", "email"]) {
      data.append(name, form.querySelector(`[name='new_official_${name}']`).value);
    }
    const answer = await fetch(button.dataset.createUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("[name='csrf_token']").value, Accept: "application/json" },
    });
    const result = await answer.json();
    if (!answer.ok) {
      const field = form.querySelector(`[name='new_official_${result.field || "name"}']`);
      const message = document.createElement("p");
      message.className = "error quick";
      message.id = `${field.id}-quick-err`;
      message.textContent = result.error || "The official could not be created.";
      field.after(message);
      field.setAttribute("aria-describedby", message.id);
      field.focus();
      return;
    }
    const row = askingRow?.isConnected ? askingRow : emptyRecipientRow(getRecipients());
    askingRow = null;
    row.querySelector("input[name$='-official']").value = result.label;
    row.querySelector("input[name$='-official_id']").value = String(result.id);
    row.querySelector("select[name$='-role']").value = form.querySelector("[name='new_official_role']").value;
    syncExpects(row);
    for (const name of ["name", "title", "institution", "country", "email"]) {
      form.querySelector(`[name='new_official_${name}']`).value = "";
    }
    details.open = false;
    say(form, `Added ${result.name} to the directory and to this letter.`);
    row.querySelector("input[name$='-official']").focus();
  });
  return (typed, input) => {
    askingRow = input.closest("#recipients li");
    details.open = true;
    form.querySelector("[name='new_official_name']").value = typed;
    form.querySelector("[name='new_official_title']").focus();
  };
}

export function enhanceLetterForm(form) {
  let recipients = null;
  const onCreate = setupNewOfficial(form, () => recipients);
  recipients = setupList(form, "recipients", onCreate);
  setupList(form, "demands", onCreate);
  enhanceAllOfficialSearches(form, { onCreate });
  form.addEventListener("input", (event) => {
    if (event.target.matches("textarea[data-grow]")) grow(event.target);
  });
  form.querySelectorAll("textarea[data-grow]").forEach(grow);
}
