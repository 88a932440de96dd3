// The official fields (letter form, letters list): as staff type, the whole directory is
// searched (/officials/search.json) and shown as a listbox; arrows move, Enter picks,
// Escape closes. With nothing found, the last option offers to create the official.
// Without JavaScript the field is a plain text box that the server resolves by name.
let counter = 0;

function describe(official) {
  const details = [official.title, official.institution, official.country].filter(Boolean);
  return details.join(", ");
}

function optionFor(listbox, id, text, detail) {
  const option = document.createElement("li");
  option.id = id;
  option.setAttribute("role", "option");
  option.className = "combo-option";
  const name = document.createElement("span");
  name.textContent = text;
  option.append(name);
  if (detail) {
    const small = document.createElement("span");
    small.className = "combo-detail";
    small.textContent = detail;
    option.append(" ", small);
  }
  listbox.append(option);
  return option;
}

export function enhanceOfficialSearch(input, { onCreate } = {}) {
  const url = input.dataset.officialSearch;
  const hidden = input.closest("li, .field")?.parentElement?.querySelector("input[name$='-official_id']");
  const listbox = document.createElement("ul");
  listbox.id = `combo-${++counter}`;
  listbox.className = "combo-list";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Officials found");
  listbox.hidden = true;
  input.after(listbox);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);
  input.removeAttribute("list");
  let choices = [];
  let active = -1;
  let timer = null;
  let asked = "";

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    const options = listbox.querySelectorAll("[role=option]");
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  }

  function pick(index) {
    const choice = choices[index];
    if (!choice) return;
    close();
    if (choice.create) {
      onCreate?.(choice.typed, input);
      return;
    }
    input.value = choice.official.label;
    if (hidden) hidden.value = String(choice.official.id);
    input.dispatchEvent(new CustomEvent("official-picked", { bubbles: true, detail: choice.official }));
  }

  function show(officials, typed) {
    listbox.replaceChildren();
    choices = officials.map((official) => ({ official }));
    officials.forEach((official, i) => {
      optionFor(listbox, `${listbox.id}-${i}`, official.name, describe(official));
    });
    if (onCreate && !officials.some((o) => o.name.toLowerCase() === typed.toLowerCase())) {
      choices.push({ create: true, typed });
      optionFor(listbox, `${listbox.id}-new`, `Create “${typed}”…`, "not in the directory");
    }
    if (!choices.length) {
      optionFor(listbox, `${listbox.id}-none`, "No official found", "").setAttribute("aria-disabled", "true");
    }
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(choices.length ? 0 : -1);
  }

  async function search() {
    const typed = input.value.trim();
    if (!typed) { close(); return; }
    asked = typed;
    const answer = await fetch(`${url}?q=${encodeURIComponent(typed)}`, {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    });
    if (!answer.ok || asked !== typed || document.activeElement !== input) return;
    show((await answer.json()).officials, typed);
  }

  input.addEventListener("input", () => {
    if (hidden) hidden.value = "";
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (listbox.hidden) { search(); event.preventDefault(); return; }
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + choices.length) % choices.length);
      event.preventDefault();
    } else if (event.key === "Enter" && !listbox.hidden && active >= 0) {
      event.preventDefault(); // picks; never submits the form half-filled
      pick(active);
    } else if (event.key === "Escape" && !listbox.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    const index = [...listbox.children].indexOf(option);
    if (index >= 0) pick(index);
  });
}

export function enhanceAllOfficialSearches(root = document, options = {}) {
  root.querySelectorAll("input[data-official-search]").forEach((input) => {
    if (!input.getAttribute("role")) enhanceOfficialSearch(input, options);
  });
}
