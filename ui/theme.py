"""How the app looks (theme, CSS) and the little script behind its links."""

from __future__ import annotations

import gradio as gr

# Runs once per page in the sources panel (gr.HTML js_on_load). One capturing
# listener on the document turns clicks on citation links (in the chat or the
# panel) into the panel's `cite` event and clicks on "Open in document" into its
# `open` event; `trigger` is kept on window so the listener always uses the live one.
SOURCES_JS = """
window.__quorumTrigger = trigger;
if (!window.__quorumClicks) {
  window.__quorumClicks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a.q-cite, a.q-open');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.__quorumReturn = link;  // Escape in the sources panel comes back here
    if (link.classList.contains('q-cite')) {
      const found = (link.getAttribute('href') || '').match(/q-cite-(\\d+)-(\\d+)/);
      if (found) window.__quorumTrigger('cite', {turn: Number(found[1]), n: Number(found[2])});
    } else {
      window.__quorumTrigger('open', {
        doc: link.dataset.doc, start: Number(link.dataset.start), end: Number(link.dataset.end)
      });
    }
  }, true);
  // Gradio gives the chat's example questions role="list" without list items (an ARIA error): a group they are.
  const fixExamples = () => document.querySelectorAll('#q-chat .examples[role="list"]').forEach((box) => {
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Example questions');
  });
  new MutationObserver(fixExamples).observe(document.body, {childList: true, subtree: true});
  fixExamples();
  // A page image the site refused (the reader's budget is spent) says why in its place, as a question
  // refused would, then loads once the wait is over. Text only: the reason is never read as markup.
  document.addEventListener('error', async (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement) || !img.closest('#q-sources figure.q-page') || img.dataset.qRetry) return;
    let reason = 'the page image could not be loaded', wait = 0;
    try {
      const reply = await fetch(img.src, {credentials: 'same-origin'});
      if (reply.status === 429) {
        reason = ((await reply.json()).error || reason);
        wait = Number(reply.headers.get('Retry-After')) || 0;
      }
    } catch (_) { /* the network: keep the plain reason */ }
    const note = document.createElement('p');
    note.className = 'q-page-note';
    note.setAttribute('role', 'status');
    note.textContent = 'Sorry: ' + reason;
    img.hidden = true;
    img.after(note);
    if (wait > 0) setTimeout(() => { img.dataset.qRetry = '1'; img.hidden = false; note.remove(); img.src = img.src; }, wait * 1000);
  }, true);
  // Keyboard: Escape from the sources panel (or the document viewer) returns to the marker that opened it.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    const back = window.__quorumReturn;
    const inside = document.activeElement && document.activeElement.closest('#q-sources, #q-viewer');
    if (!inside || !back) return;
    if (back.isConnected) { back.focus(); event.preventDefault(); return; }
    const again = document.querySelector(`#q-chat a.q-cite[href="${back.getAttribute('href')}"]`);
    if (again) { again.focus(); event.preventDefault(); }
  });
}
// Bring the chosen passage into view: inside the panel's own scroll box, then
// in the window (on a phone the panel sits below the chat).
const scrollBox = (node) => {
  for (let box = node.parentElement; box && box !== document.body; box = box.parentElement) {
    const overflow = getComputedStyle(box).overflowY;
    if ((overflow === 'auto' || overflow === 'scroll') && box.scrollHeight > box.clientHeight) return box;
  }
  return null;
};
watch('value', () => {
  const chosen = element.querySelector('.q-selected') || element.querySelector('.q-focus');
  if (!chosen) return;
  const box = scrollBox(chosen);
  if (box) {
    const outer = box.getBoundingClientRect(), inner = chosen.getBoundingClientRect();
    if (inner.top < outer.top || inner.bottom > outer.bottom) box.scrollTop += inner.top - outer.top - 8;
  }
  const top = chosen.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 80) window.scrollBy({top: top - 12});
  // A passage chosen from a citation takes the focus, so that keyboard and screen reader users land on it.
  if (chosen.classList.contains('q-selected')) {
    chosen.setAttribute('tabindex', '-1');
    chosen.focus({preventScroll: true});
  }
});
"""

# The announcer: a polite live region that says when an answer is ready (its text is set by each answer).
ANNOUNCE_JS = """
const region = element.closest('#q-announce') || element;
region.setAttribute('role', 'status');
region.setAttribute('aria-live', 'polite');
region.setAttribute('aria-atomic', 'true');
"""

FOOTER = (
    '<footer class="q-footer"><a href="/accessibility">Accessibility statement</a>'
    " · Answers quote the documents exactly; check a figure against its source before relying on it.</footer>"
)

# The document viewer scrolls to the marked passage when it shows one, and
# otherwise brings a newly opened document's start into view.
VIEWER_JS = """
const reveal = (opened) => setTimeout(() => {
  const mark = element.querySelector('#q-doc-mark');
  if (mark) mark.scrollIntoView({block: 'center'});
  else if (opened && element.querySelector('.q-doc')) {
    const top = element.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 120) element.scrollIntoView({block: 'start'});
  }
}, 150);
reveal(false);
watch('value', () => reveal(true));
"""

CSS = """
/* Focus always visible, for keyboard users (WCAG 2.4.7, 2.4.11). */
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, [tabindex]:focus-visible,
.q-source:focus { outline: 3px solid #b45309 !important; outline-offset: 2px; }
.q-sr, #q-announce { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; border: 0; padding: 0 !important; margin: -1px; }
.q-footer { font-size: 0.9em; margin-top: 8px; }
/* The chat dims its messages while an event runs: a margin of contrast for small text and links in it. */
#q-chat a.q-cite, #q-chat a.q-share { color: var(--primary-800) !important; }
#q-chat small.q-query, #q-chat small.q-dates { color: var(--neutral-700) !important; }
#q-share-note p, .q-page-note { margin: 0; padding: 6px 10px; border-left: 4px solid #b45309; }
.gradio-container { max-width: 1320px !important; width: 100% !important; margin: 0 auto !important; }
#q-title h1 { font-size: 1.5rem; margin: 0; }
#q-title p { margin: 2px 0 0; color: var(--body-text-color-subdued); }
#q-filter-status p { margin: 0; font-size: 0.9em; }
#q-status-row { align-items: center; flex-wrap: nowrap; }
#q-status-row > * { min-width: 0; }
a.q-cite {
  font-size: 0.78em; font-weight: 600; vertical-align: super; line-height: 0;
  text-decoration: none; padding: 0 1px; color: var(--color-accent) !important; cursor: pointer;
}
a.q-cite:hover, a.q-cite:focus { text-decoration: underline; }
small.q-query { display: block; margin-top: 0.3em; color: var(--body-text-color-subdued); font-size: 0.8em; }
small.q-query a.q-cite { vertical-align: baseline; font-size: 1em; line-height: inherit; }
.q-sources-for { font-size: 0.9em; color: var(--body-text-color-subdued); margin: 0 0 8px; }
.q-source {
  border-left: 3px solid var(--color-accent); border-radius: 4px; padding: 8px 12px; margin: 0 0 12px;
  background: var(--background-fill-secondary); scroll-margin: 12px;
}
.q-source.q-selected { outline: 2px solid var(--color-accent); background: var(--color-accent-soft); }
.q-source-n { font-weight: 700; color: var(--color-accent); }
.q-source-meta, .q-source-links { font-size: 0.82em; color: var(--body-text-color-subdued); }
.q-source-meeting { font-size: 0.82em; }
.q-meetings h3 { margin: 1em 0 0.3em; }
.q-meeting { margin: 0.2em 0 0.4em; }
.q-meeting summary { cursor: pointer; padding: 0.2em 0; }
.q-no-minutes, .q-as-of { color: var(--body-text-color-subdued); }
.q-items { margin: 0.3em 0 0.6em 0.4em; list-style: none; padding-left: 0; }
.q-item { font-weight: 600; }
.q-withdrawn { color: var(--error-text-color); }
.q-source-links a { color: var(--link-text-color); }
.q-page { margin: 8px 0; }
.q-page img { display: block; width: 100%; height: auto; border: 1px solid var(--border-color-primary); }
.q-page figcaption { font-size: 0.85em; margin-top: 2px; }
.q-table-header { font-size: 0.92em; font-weight: 600; margin-top: 6px; white-space: pre-wrap; }
.q-source-text { white-space: pre-wrap; font-size: 0.92em; line-height: 1.5; margin-top: 6px; overflow-wrap: anywhere; }
.q-source mark, .q-doc mark { background: #fde68a; color: #1f2937; border-radius: 2px; padding: 0 1px; }
.q-doc mark.q-passage { background: #fef3c7; box-shadow: 0 0 0 2px #fde68a; }
.q-doc-head h3 { margin: 0 0 4px; }
.q-doc-meta, .q-doc-licence { font-size: 0.85em; color: var(--body-text-color-subdued); }
.q-doc-body p { white-space: pre-wrap; margin: 0 0 0.55em; line-height: 1.55; overflow-wrap: anywhere; }
.q-doc-body { margin-top: 10px; }
.q-sources-empty, .q-doc-empty { color: var(--body-text-color-subdued); }
span.q-cite-sample { color: var(--color-accent); font-weight: 600; }
#q-chat { height: clamp(380px, calc(100vh - 312px), 640px) !important; }
#q-chat .placeholder-content .md { font-size: 0.92em; padding: 0 16px; }
#q-chat .placeholder, #q-chat .placeholder-content, #q-chat .placeholder .md { max-width: 100%; min-width: 0; }
#q-chat .placeholder-content h3 { margin: 0 0 4px; }
#q-chat .placeholder-content li { margin: 2px 0; }
#q-chat .examples .example { padding: 8px 12px !important; }
.q-table-wrap { overflow-x: auto; max-width: 100%; }
table.q-documents { width: 100%; border-collapse: collapse; font-size: 0.92em; border: none !important; }
table.q-documents tr { border: none !important; }
table.q-documents caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
table.q-documents th, table.q-documents td {
  text-align: left; vertical-align: top; padding: 6px 8px;
  border: none !important; border-bottom: 1px solid var(--border-color-primary) !important;
}
table.q-documents td:nth-child(4) { white-space: nowrap; }
table.q-documents td:nth-child(6) { text-align: right; }
#q-sources a, #q-documents a, #q-viewer a { padding: 0 !important; }
@media (max-width: 640px) {
  .gradio-container { padding: 0 6px !important; }
  #q-title h1 { font-size: 1.25rem; }
  #q-chat { height: 64vh !important; }
  #q-chat .placeholder-content li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  #q-chat .placeholder-content ul { padding-left: 0.6em; }
  #q-chat .placeholder-content h3 { font-size: 1.02em; }
  #q-chat .placeholder-content p { font-size: 0.92em; margin: 4px 0; }
  #q-chat .examples .example:nth-child(n+5) { display: none; }
  /* the documents table becomes one block per document */
  table.q-documents thead, table.q-documents td:nth-child(7) { display: none; }
  table.q-documents tr {
    display: block; padding: 8px 0; border-bottom: 1px solid var(--border-color-primary) !important;
  }
  table.q-documents td { display: inline; padding: 0 8px 0 0; border: none !important; }
  table.q-documents td:first-child { display: block; padding-bottom: 2px; }
  table.q-documents td:nth-child(3), table.q-documents td:nth-child(5) { display: block; }
  table.q-documents td:nth-child(6)::after { content: " passages"; }
}
#q-timeline ol.q-timeline { list-style: none; padding-left: 0; }
#q-timeline .q-tl-entry { border-left: 3px solid var(--color-accent); padding: 0.2rem 0 0.6rem 0.8rem; margin-bottom: 0.4rem; }
#q-timeline .q-tl-when { font-weight: 600; }
#q-timeline blockquote { margin: 0.2rem 0; font-style: normal; }
#q-timeline .q-tl-where { font-size: 0.85em; color: var(--body-text-color-subdued); }
abbr.q-abbr { text-decoration: underline dotted; cursor: help; }
"""


def theme() -> gr.themes.Base:
    """Gradio's default look, with every text colour at WCAG AA contrast (4.5:1) on its background.

    The default's subdued text (slate 400) and accent (blue 500) fall below it on white.
    """
    return gr.themes.Default(primary_hue="blue", neutral_hue="slate").set(
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        color_accent="*primary_700",
        color_accent_soft="*primary_50",
        link_text_color="*primary_700",
        link_text_color_visited="*primary_800",
        link_text_color_hover="*primary_800",
        input_placeholder_color="*neutral_500",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
    )
