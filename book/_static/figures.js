// Each figure of the book opens full size in the browser when clicked or tapped:
// on a phone a figure with two panels side by side is too small to read in the
// column, and the full-size image can be zoomed and scrolled.
document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("main figure img")) {
    if (img.closest("a")) continue;
    const link = document.createElement("a");
    link.href = img.getAttribute("src");
    link.className = "mcdl-full-size";
    link.title = "Open the figure full size";
    img.replaceWith(link);
    link.appendChild(img);
  }
});
