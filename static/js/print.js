// 見守り: a 「印刷」 button prints the page (the print stylesheet lays it out on A4).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
