// Tracker's scripts: each module enhances the pages that carry its markup; every page
// works without them. Loaded as a module by base.html (no inline script, CSP 'self').
import { enhanceConfirmations } from "./confirm.js";
import { enhanceLetterForm } from "./letter-form.js";
import { enhanceAllOfficialSearches } from "./official-search.js";
import { enhancePasskeys } from "./passkeys.js";

enhanceConfirmations();
enhancePasskeys(); // the passkeys page and the second login step
document.querySelectorAll("form[data-letter-form]").forEach(enhanceLetterForm);
enhanceAllOfficialSearches(document); // the letters list's official filter
