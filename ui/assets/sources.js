// Runs once when the sources pane mounts (gr.HTML js_on_load). Installs document-level handlers,
// because [n] links and the copy buttons live in the chatbot, which has no hook for them.
if (!window.__ragInstalled) {
  window.__ragInstalled = true;
  // The question as it stood when the user pressed Enter or Send. Gradio reads the box only when
  // the submit runs, which on a busy machine is after the user went on typing the next question.
  const remember = () => {
    const box = document.querySelector('#rag-question textarea');
    if (box) window.__ragAsked = box.value;
  };
  document.addEventListener('keydown', (ev) => {
    const box = ev.target.closest && ev.target.closest('#rag-question textarea');
    if (box && ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) remember();
  }, true);
  document.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('#rag-send')) remember();
  }, true);
  const phone = () => window.matchMedia('(max-width: 700px)').matches;
  const showCard = (n, turn, tries) => {
    const pane = document.querySelector('#rag-sources .rag-sources');
    const ready = pane && (turn === undefined || pane.dataset.turn === String(turn));
    const card = ready ? pane.querySelector('#cite-' + n) : null;
    if (card) {
      card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
      card.classList.add('flash');
      setTimeout(() => card.classList.remove('flash'), 1600);
    } else if (tries > 0) {
      // an older answer's marker: its sources arrive from the server after the select event
      setTimeout(() => showCard(n, turn, tries - 1), 100);
    }
  };
  // The text of a chat message as a reader sees it: no markup, [n] markers kept.
  const plainText = (message) => {
    return message.innerText.replace(/\n{3,}/g, '\n\n').trim();
  };
  document.addEventListener('click', (ev) => {
    const target = ev.target;
    if (!target.closest) return;
    const link = target.closest('a.cite-ref, a[href^="#cite-"]');
    if (link) {
      ev.preventDefault();
      const n = link.getAttribute('href').replace('#cite-', '');
      const turn = [...link.classList].find((c) => c.startsWith('cite-turn-'));
      if (phone()) document.querySelector('#rag-side')?.classList.add('sheet-open');
      showCard(n, turn ? turn.slice(10) : undefined, 30);
      return;
    }
    // The chatbot's copy button would copy the message's HTML source; copy what is shown.
    const copy = target.closest('#rag-chat button');
    const label = copy ? (copy.getAttribute('aria-label') || copy.title || '') : '';
    if (copy && /copy/i.test(label) && !/all/i.test(label)) {
      // the buttons sit in a sibling after their message's row (or inside it)
      let row = copy.closest('.message-row');
      if (!row) {
        row = copy.closest('.message-buttons')?.previousElementSibling || null;
        while (row && !row.classList.contains('message-row')) row = row.previousElementSibling;
      }
      const message = row ? row.querySelector('.message-content') : null;
      if (message && navigator.clipboard) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        navigator.clipboard.writeText(plainText(message));
      }
    }
  }, true);
  // Screen readers read a message's aria-label: keep it to the text, without markup.
  const cleanLabels = () => {
    document.querySelectorAll('#rag-chat [aria-label]').forEach((el) => {
      const label = el.getAttribute('aria-label');
      if (label && /<[a-z/][^>]*>|&[a-z]+;/i.test(label)) {
        const tmp = document.createElement('div');
        tmp.innerHTML = label;
        el.setAttribute('aria-label', tmp.textContent.replace(/\s+/g, ' ').trim());
      }
    });
  };
  new MutationObserver(cleanLabels).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'],
  });
}
element.addEventListener('click', (ev) => {
  const btn = ev.target.closest('.open-doc');
  if (btn) { trigger('click', {n: parseInt(btn.dataset.n, 10)}); return; }
  const card = ev.target.closest('.cite-card');
  if (card) {
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1600);
  }
});
