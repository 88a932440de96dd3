// Tracker's scripts: each module enhances the pages that carry its markup; every page
// works without them. Loaded as a module by base.html (no inline script, CSP 'self').
import { enhanceConfirmations } from "./confirm.js";

enhanceConfirmations();
