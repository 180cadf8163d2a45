"use strict";
// Dashboard of the hashtag leaderboard. It polls the JSON API at the page's own path and
// renders the answer with DOM APIs only: every text from the API is set with textContent,
// never parsed as HTML (the page's CSP also forbids HTML sinks through Trusted Types).
(function () {
  const REFRESH_MS = 5000;
  const FETCH_TIMEOUT_MS = 10000;
  const WINDOWS = ["1h", "24h", "7d", "all"];
  const TRENDING_WINDOWS = ["1h", "24h"]; // the windows with a trending view

  const $ = (id) => document.getElementById(id);
  const viewSelect = $("view");
  const windowSelect = $("window");
  const heading = $("heading");
  const limitSelect = $("limit");
  const bars = $("bars");
  const empty = $("empty");
  const error = $("error");
  const loading = $("loading");
  const updated = $("updated");
  const announce = $("announce");
  const boardName = $("board-name");

  const numberFormat = new Intl.NumberFormat();
  const baselineFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  let timer = 0;
  let seq = 0;          // number of the latest request; older answers are dropped
  let shown = null;     // the view, window and limit of the data on screen
  let lastKey = "";     // what was last announced to screen readers

  // Read the selection from the address, so a reload keeps it.
  const params = new URLSearchParams(location.search);
  viewSelect.value = params.get("view") === "trending" ? "trending" : "top";
  const win = params.get("window");
  windowSelect.value = WINDOWS.includes(win) ? win : "all";
  fitWindow();
  const lim = params.get("limit");
  if (lim && /^[1-9][0-9]{0,2}$/.test(lim) && Number(lim) <= 100) {
    if (![...limitSelect.options].some((o) => o.value === lim)) {
      const opt = document.createElement("option");
      opt.value = lim;
      opt.textContent = "Top " + lim;
      limitSelect.append(opt);
    }
    limitSelect.value = lim;
  } else {
    limitSelect.value = "10";
  }

  // The trending view has only some windows: offer those, and move to 1h from the others.
  function fitWindow() {
    const trending = viewSelect.value === "trending";
    for (const o of windowSelect.options) {
      o.disabled = trending && !TRENDING_WINDOWS.includes(o.value);
    }
    if (trending && !TRENDING_WINDOWS.includes(windowSelect.value)) {
      windowSelect.value = "1h";
    }
    heading.textContent = trending ? "Trending hashtags" : "Top hashtags";
    bars.setAttribute("aria-label", trending ? "Trending hashtags by rise in distinct authors" : "Top hashtags by number of posts");
    empty.textContent = trending ? "Nothing is trending in this window." : "No hashtags yet in this window.";
  }

  function selection() {
    return { view: viewSelect.value, window: windowSelect.value, limit: limitSelect.value };
  }

  // The query of a selection; view only when trending, so the top view's addresses stay.
  function query(sel) {
    const q = new URLSearchParams();
    if (sel.view === "trending") {
      q.set("view", "trending");
    }
    q.set("window", sel.window);
    q.set("limit", sel.limit);
    return q;
  }

  function remember(sel) {
    const q = query(sel);
    q.set("format", "html");
    history.replaceState(null, "", location.pathname + "?" + q.toString());
  }

  // What a row says: its post count, or for the trending view its authors against its
  // baseline ("N authors, usually M").
  function figure(t, trending) {
    if (!trending) {
      const count = Number(t.count) || 0;
      return [numberFormat.format(count), count === 1 ? " post" : " posts"];
    }
    const authors = Number(t.authors) || 0;
    return [numberFormat.format(authors) + (authors === 1 ? " author" : " authors") + ", usually " + baselineFormat.format(Number(t.baseline) || 0),
      " in this window"];
  }

  function render(data) {
    boardName.textContent = data.leaderboard;
    const trending = data.view === "trending";
    const tags = Array.isArray(data.hashtags) ? data.hashtags : [];
    // Bars are as long as the count, or the score of the trending view.
    const value = (t) => Number(trending ? t.score : t.count) || 0;
    const max = tags.reduce((m, t) => Math.max(m, value(t)), 0);
    const rows = tags.map((t) => {
      const count = Number(t.count) || 0;
      const li = document.createElement("li");
      li.className = "bar";
      li.dataset.hashtag = t.hashtag;
      li.dataset.count = String(count);
      if (trending) {
        li.dataset.authors = String(Number(t.authors) || 0);
        li.dataset.baseline = String(Number(t.baseline) || 0);
        li.dataset.score = String(value(t));
      }

      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = String(t.rank);
      rank.setAttribute("aria-hidden", "true"); // the ordered list already says the position

      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = t.hashtag;

      const num = document.createElement("span");
      num.className = "count";
      const [text, rest] = figure(t, trending);
      num.textContent = text;
      const unit = document.createElement("span");
      unit.className = "visually-hidden";
      unit.textContent = rest;
      num.append(unit);

      const track = document.createElement("span");
      track.className = "track";
      track.setAttribute("aria-hidden", "true");
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = (max > 0 ? (value(t) / max) * 100 : 0).toFixed(2) + "%";
      track.append(fill);

      li.append(rank, tag, num, track);
      return li;
    });
    bars.replaceChildren(...rows);
    empty.hidden = tags.length !== 0;

    const at = new Date(data.generated_at);
    updated.dateTime = data.generated_at;
    updated.textContent = isNaN(at) ? data.generated_at : at.toLocaleTimeString();

    const key = data.view + "|" + data.window + "|" + tags.map((t) => t.hashtag + ":" + figure(t, trending)[0]).join(",");
    if (key !== lastKey) {
      lastKey = key;
      announce.textContent = tags.length === 0
        ? empty.textContent
        : (trending ? "Trending updated. First: " : "Leaderboard updated. First: ") + tags[0].hashtag + " with " + figure(tags[0], trending).join("") + ".";
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState !== "hidden") {
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  async function refresh() {
    clearTimeout(timer);
    const sel = selection();
    const mine = ++seq;
    const url = location.pathname + "?" + query(sel).toString();
    try {
      const res = await fetch(url, {
        headers: { Accept: "application/json" },
        cache: "no-cache", // revalidate with If-None-Match; a 304 reuses the cached body
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!res.ok) {
        throw new Error("HTTP " + res.status);
      }
      const data = await res.json();
      if (mine !== seq) {
        return; // a newer request was started (the selection changed)
      }
      render(data);
      shown = sel;
      if (!error.hidden) {
        error.hidden = true;
        announce.textContent = "Leaderboard updated again.";
      }
    } catch (e) {
      if (mine !== seq) {
        return;
      }
      // Keep the last data if it is for the current selection; otherwise it would mislead.
      if (!shown || shown.view !== sel.view || shown.window !== sel.window || shown.limit !== sel.limit) {
        bars.replaceChildren();
        empty.hidden = true;
        shown = null;
        lastKey = "";
      }
      if (error.hidden) {
        announce.textContent = "Update failed, retrying.";
      }
      error.hidden = false;
    } finally {
      if (mine === seq) {
        loading.hidden = true;
        schedule();
      }
    }
  }

  function onChange() {
    remember(selection());
    refresh();
  }
  viewSelect.addEventListener("change", () => {
    fitWindow();
    onChange();
  });
  windowSelect.addEventListener("change", onChange);
  limitSelect.addEventListener("change", onChange);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      refresh();
    } else {
      clearTimeout(timer);
    }
  });

  remember(selection());
  refresh();
})();
