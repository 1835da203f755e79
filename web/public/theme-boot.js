// Applies the saved theme before the first paint, so a dark page never flashes white. A file of its own
// (not inline) so the Content-Security-Policy can forbid inline scripts.
try {
  const theme = localStorage.getItem("parley.theme");
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch {}
