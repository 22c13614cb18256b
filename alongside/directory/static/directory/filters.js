// The directory's filters: behind a toggle on a phone, so that the results come first; open
// beside the results on a wide screen (the design system's desktop breakpoint), where there is
// room for both. Without JavaScript the toggle simply starts closed everywhere.
const wide = window.matchMedia("(min-width: 48.0625em)");
for (const filters of document.querySelectorAll("details[data-open-when-wide]")) {
  if (wide.matches) {
    filters.open = true;
  }
}
