// Letter intake review: while a row has focus, its passage in the letter text is picked out
// and scrolled into view. The page works without this; the "Show the passage" links remain.
document.addEventListener("DOMContentLoaded", () => {
  let current = null;
  document.querySelectorAll(".intake-row[data-passage]").forEach((row) => {
    row.addEventListener("focusin", () => {
      const mark = document.getElementById(row.dataset.passage);
      if (current && current !== mark) current.classList.remove("is-current");
      current = mark;
      if (!mark) return;
      mark.classList.add("is-current");
      mark.scrollIntoView({ block: "nearest" });
    });
  });
});
