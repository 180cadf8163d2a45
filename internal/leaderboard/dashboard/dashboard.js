"use strict";
// Dashboard of the hashtag leaderboard. It polls the JSON API at the page's own path and
// renders the answer with DOM APIs only: every text from the API is set with textContent,
// never parsed as HTML (the page's CSP also forbids HTML sinks through Trusted Types).
(function () {
  const REFRESH_MS = 5000;
  const FETCH_TIMEOUT_MS = 10000;
  const WINDOWS = ["1h", "24h", "7d", "all"];

  const $ = (id) => document.getElementById(id);
  const boardSelect = $("board");
  const boardChoice = $("board-choice");
  const windowSelect = $("window");
  const limitSelect = $("limit");
  const bars = $("bars");
  const empty = $("empty");
  const error = $("error");
  const loading = $("loading");
  const updated = $("updated");
  const announce = $("announce");
  const boardName = $("board-name");

  const numberFormat = new Intl.NumberFormat();
  let timer = 0;
  let seq = 0;          // number of the latest request; older answers are dropped
  let shown = null;     // the board, window and limit of the data on screen
  let lastKey = "";     // what was last announced to screen readers

  // Read the selection from the address, so a reload keeps it. The board is checked against
  // the list of boards once it has loaded (loadBoards); until then, or if it fails, the
  // address's board is asked for as it is.
  const params = new URLSearchParams(location.search);
  const addressBoard = params.get("board") || "";
  const win = params.get("window");
  windowSelect.value = WINDOWS.includes(win) ? win : "all";
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

  function selection() {
    const board = boardChoice.hidden ? addressBoard : boardSelect.value;
    return { board: board, window: windowSelect.value, limit: limitSelect.value };
  }

  function query(sel) {
    const q = new URLSearchParams();
    if (sel.board) {
      q.set("board", sel.board);
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

  function same(a, b) {
    return a.board === b.board && a.window === b.window && a.limit === b.limit;
  }

  // The boards of the deployment: with more than one, the selector shows them, the address's
  // board selected (the default, the first, if the address names none or an unknown one).
  async function loadBoards() {
    const res = await fetch(location.pathname.replace(/[^/]*$/, "") + "boards", {
      headers: { Accept: "application/json" },
      cache: "no-cache",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!res.ok) {
      throw new Error("HTTP " + res.status);
    }
    const data = await res.json();
    const boards = Array.isArray(data.boards) ? data.boards : [];
    if (boards.length < 2) {
      return;
    }
    boardSelect.replaceChildren(...boards.map((b) => {
      const opt = document.createElement("option");
      opt.value = b.name;
      opt.textContent = b.name;
      opt.title = b.query || "";
      return opt;
    }));
    boardSelect.value = boards.some((b) => b.name === addressBoard) ? addressBoard : boards[0].name;
    boardChoice.hidden = false;
  }

  function render(data) {
    boardName.textContent = data.leaderboard;
    const tags = Array.isArray(data.hashtags) ? data.hashtags : [];
    const max = tags.reduce((m, t) => Math.max(m, Number(t.count) || 0), 0);
    const rows = tags.map((t) => {
      const count = Number(t.count) || 0;
      const li = document.createElement("li");
      li.className = "bar";
      li.dataset.hashtag = t.hashtag;
      li.dataset.count = String(count);

      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = String(t.rank);
      rank.setAttribute("aria-hidden", "true"); // the ordered list already says the position

      const tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = t.hashtag;

      const num = document.createElement("span");
      num.className = "count";
      num.textContent = numberFormat.format(count);
      const unit = document.createElement("span");
      unit.className = "visually-hidden";
      unit.textContent = count === 1 ? " post" : " posts";
      num.append(unit);

      const track = document.createElement("span");
      track.className = "track";
      track.setAttribute("aria-hidden", "true");
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.width = (max > 0 ? (count / max) * 100 : 0).toFixed(2) + "%";
      track.append(fill);

      li.append(rank, tag, num, track);
      return li;
    });
    bars.replaceChildren(...rows);
    empty.hidden = tags.length !== 0;

    const at = new Date(data.generated_at);
    updated.dateTime = data.generated_at;
    updated.textContent = isNaN(at) ? data.generated_at : at.toLocaleTimeString();

    const key = data.leaderboard + "|" + data.window + "|" + tags.map((t) => t.hashtag + ":" + t.count).join(",");
    if (key !== lastKey) {
      lastKey = key;
      announce.textContent = tags.length === 0
        ? "No hashtags yet in this window."
        : "Leaderboard updated. First: " + tags[0].hashtag + " with " + numberFormat.format(Number(tags[0].count) || 0) + " posts.";
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
      if (!shown || !same(shown, sel)) {
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
  boardSelect.addEventListener("change", onChange);
  windowSelect.addEventListener("change", onChange);
  limitSelect.addEventListener("change", onChange);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      refresh();
    } else {
      clearTimeout(timer);
    }
  });

  // Without the list the page still works, on the address's board; the selector stays hidden.
  loadBoards().catch(() => {}).finally(() => {
    remember(selection());
    refresh();
  });
})();
