"use strict";
// Dashboard of the hashtag leaderboard. It polls the JSON API at the page's own path: the top,
// then the history of the rows it shows (one request per MAX_HISTORY rows: one for Top 10 and
// Top 25, four for Top 100), each revalidated with its ETag (304 when nothing changed). It
// renders the answers with DOM APIs only: every text from the API is set with textContent,
// never parsed as HTML (the page's CSP also forbids HTML sinks through Trusted Types).
// Where an answer sampled the posts (coverage below 1, issue 20), rows show the estimate with
// its margin and bars follow the estimates; otherwise the exact counts.
(function () {
  const REFRESH_MS = 5000;
  const FETCH_TIMEOUT_MS = 10000;
  const WINDOWS = ["1h", "24h", "7d", "all"];
  const VIEWS = ["top", "trending"];
  const TRENDING_WINDOWS = ["1h", "24h"]; // the windows with a trending view
  // The API's limits (leaderboard.MaxHistoryHashtags, leaderboard.MaxQueryBytes).
  const MAX_HISTORY = 25;
  const MAX_QUERY_BYTES = 4096;
  // The history shown for each window: all-time rows show the last 7 days.
  const SPARK = {
    "1h": { window: "1h", legend: "Columns: posts per 5 minutes, last hour", from: "1 h ago" },
    "24h": { window: "24h", legend: "Columns: posts per hour, last 24 hours", from: "24 h ago" },
    "7d": { window: "7d", legend: "Columns: posts per 6 hours, last 7 days", from: "7 days ago" },
    "all": { window: "7d", legend: "Columns: posts per 6 hours, last 7 days", from: "7 days ago" },
  };
  const SPAN = { "1h": "in the last hour", "24h": "in the last 24 hours", "7d": "in the last 7 days", "all": "in all" };
  // The wall layout (large type, several columns): ?kiosk=1, or a large screen.
  const WALL = window.matchMedia("(min-width: 1600px) and (min-height: 860px)");
  // A hashtag in the store's canonical form (package hashtag): letters, marks, digits, "_" and
  // twitter-text's few special characters, a letter or mark among them, lower case, NFC, no
  // U+0307 after "i" (the folded dot of "İ"), at most 140 characters. Only these are asked for: anything else (an entry a faulty writer
  // planted) would fail the whole history request.
  const TAG_CHARS = /^[\p{L}\p{Mn}\p{Mc}\p{Nd}_\u00B7\u05BE\u05F3\u05F4\u0F0B\u0F0C\u3003\u301C\u309B\u309C\u30A0\u30FB\uA67E\uFF5E]+$/u;
  const TAG_LETTER = /[\p{L}\p{Mn}\p{Mc}]/u;
  const TOO_MANY_MARKS = /[\p{Mn}\p{Mc}]{31}/u;

  const $ = (id) => document.getElementById(id);
  const boardSelect = $("board");
  const boardChoice = $("board-choice");
  const viewSelect = $("view");
  const windowSelect = $("window");
  const heading = $("heading");
  const limitSelect = $("limit");
  const bars = $("bars");
  const empty = $("empty");
  const error = $("error");
  const loading = $("loading");
  const updated = $("updated");
  const legend = $("legend");
  const announce = $("announce");
  const boardName = $("board-name");
  const query = $("query");
  const boardNotice = $("board-notice");
  const checked = $("checked");
  const sampled = $("sampled");
  const notConfigured = $("not-configured");
  const barLegend = $("bar-legend");
  const axisFrom = $("axis-from");
  const axisFigure = $("axis-figure");

  const numberFormat = new Intl.NumberFormat();
  const baselineFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });
  let timer = 0;
  let seq = 0;          // number of the latest refresh; older answers are dropped
  let shown = "";       // the selection of the data on screen
  let lastKey = "";     // the data on screen (selection, hashtags and counts)
  let previous = null;  // hashtag -> rank before the last change of the data on screen
  let sparks = new Map(); // hashtag -> points of the last history, for the selection shown
  let sparkKey = "";
  let boards = [];      // the deployment's boards ({name, query}), once loaded
  let answersTags = []; // the hashtags of each history request of the last refresh

  // The page's state lives in its address (board, window, limit, view; embed for the widget),
  // so a reload or a shared link shows the same. Each control is a labelled element of the
  // controls bar that sets its field and calls onChange. The board is checked against the list
  // of boards once it has loaded (loadBoards); until then, or if it fails, or in the widget
  // (which has no controls), the address's board is asked for as it is.
  const params = new URLSearchParams(location.search);
  const state = {
    view: VIEWS.includes(params.get("view")) ? params.get("view") : "top",
    window: WINDOWS.includes(params.get("window")) ? params.get("window") : "all",
    limit: "10",
    board: params.get("board") || "",
    embed: params.get("embed") === "1",
    kiosk: params.get("kiosk") === "1",
  };
  const root = document.documentElement;
  root.classList.toggle("kiosk", state.kiosk);
  const fitWall = () => root.classList.toggle("wall", !state.embed && (state.kiosk || WALL.matches));
  fitWall();
  WALL.addEventListener("change", fitWall);
  const lim = params.get("limit") || (state.kiosk ? "25" : "");
  if (lim && /^[1-9][0-9]{0,2}$/.test(lim) && Number(lim) <= 100) {
    if (![...limitSelect.options].some((o) => o.value === lim)) {
      const opt = document.createElement("option");
      opt.value = lim;
      opt.textContent = "Top " + lim;
      limitSelect.append(opt);
    }
    state.limit = lim;
  }
  viewSelect.value = state.view;
  windowSelect.value = state.window;
  limitSelect.value = state.limit;
  fitWindow();

  // The trending view has only some windows: offer those, and move to 1h from the others.
  function fitWindow() {
    const trending = state.view === "trending";
    for (const o of windowSelect.options) {
      o.disabled = trending && !TRENDING_WINDOWS.includes(o.value);
    }
    if (trending && !TRENDING_WINDOWS.includes(state.window)) {
      state.window = "1h";
      windowSelect.value = "1h";
    }
    document.querySelector("main").classList.toggle("trending", trending);
    heading.textContent = trending ? "Trending hashtags" : "Top hashtags";
    bars.setAttribute("aria-label", trending ? "Trending hashtags by rise in distinct authors" : "Top hashtags by number of posts");
    empty.textContent = trending ? "Nothing is trending in this window." : "No hashtags yet in this window.";
    barLegend.textContent = trending
      ? "Bars: how far each hashtag rose above its usual number of distinct authors (the score)."
      : "";
    axisFigure.textContent = trending ? "Authors" : "Posts";
    barLegend.hidden = !trending;
  }

  // The selection's parameters shared by the data requests and the address.
  function selection() {
    const q = new URLSearchParams();
    if (state.board) {
      q.set("board", state.board);
    }
    q.set("window", state.window);
    q.set("limit", state.limit);
    if (state.view !== "top") {
      q.set("view", state.view);
    }
    return q;
  }

  function remember() {
    const q = selection();
    if (state.embed) {
      q.set("embed", "1");
    }
    if (state.kiosk) {
      q.set("kiosk", "1");
    }
    q.set("format", "html");
    history.replaceState(null, "", location.pathname + "?" + q.toString());
  }

  // The history requests for the rows shown, in their order: the canonical hashtags in chunks
  // of at most MAX_HISTORY that fit in the API's query length.
  function historyURLs(tags) {
    const q = new URLSearchParams({ view: "history", window: SPARK[state.window].window });
    if (state.board) {
      q.set("board", state.board);
    }
    const urls = [];
    let asked = [];
    const flush = () => {
      if (asked.length > 0) {
        q.set("hashtags", asked.join(","));
        urls.push(location.pathname + "?" + q.toString());
        asked = [];
      }
    };
    for (const t of tags) {
      if (!canonical(t)) {
        continue;
      }
      q.set("hashtags", asked.concat(t).join(","));
      if (asked.length === MAX_HISTORY || q.toString().length > MAX_QUERY_BYTES) {
        flush();
      }
      asked.push(t);
    }
    flush();
    return urls;
  }

  function canonical(t) {
    return typeof t === "string" && TAG_CHARS.test(t) && TAG_LETTER.test(t) && !TOO_MANY_MARKS.test(t) &&
      t === t.normalize("NFC") && t === t.toLowerCase() && !t.includes("i\u0307") && [...t].length <= 140;
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function hidden(text) {
    return el("span", "visually-hidden", text);
  }

  // marker is the marker of a row against the list before the last change: "new", up or down
  // by some places, or nothing.
  function marker(tag, rank) {
    if (!previous) {
      return null;
    }
    const before = previous.get(tag);
    if (before === undefined) {
      const m = el("span", "move new", "new");
      m.title = "New in this list since the last update";
      return m;
    }
    if (before === rank) {
      return null;
    }
    const up = before > rank;
    const places = Math.abs(before - rank);
    const m = el("span", up ? "move up" : "move down");
    m.title = (up ? "Up " : "Down ") + places + (places === 1 ? " place" : " places") + " since the last update";
    const arrow = el("span", "", (up ? "\u25B2" : "\u25BC") + numberFormat.format(places));
    arrow.setAttribute("aria-hidden", "true");
    m.append(arrow, hidden((up ? " up " : " down ") + places + (places === 1 ? " place" : " places")));
    return m;
  }

  // The boards of the deployment: with more than one, the selector shows them, the address's
  // board selected (the default, the first, if the address names none or an unknown one).
  async function loadBoards() {
    const data = await getJSON(location.pathname.replace(/[^/]*$/, "") + "boards");
    boards = Array.isArray(data.boards) ? data.boards.filter((b) => b && typeof b.name === "string") : [];
    if (boards.length === 0) {
      return;
    }
    if (state.board && !boards.some((b) => b.name === state.board)) {
      boardNotice.textContent = "There is no board \u201C" + state.board + "\u201D here; showing the default board, \u201C" +
        boards[0].name + "\u201D.";
      boardNotice.hidden = false;
      state.board = boards.length < 2 ? "" : boards[0].name;
    }
    if (boards.length < 2 || state.embed) {
      return;
    }
    boardSelect.replaceChildren(...boards.map((b) => {
      const opt = document.createElement("option");
      opt.value = b.name;
      opt.textContent = b.name;
      opt.title = b.query || "";
      return opt;
    }));
    boardSelect.value = boards.some((b) => b.name === state.board) ? state.board : boards[0].name;
    state.board = boardSelect.value;
    boardChoice.hidden = false;
  }

  // What a row says: its post count, or for the trending view its authors against its
  // baseline ("N authors, usually M").
  function figure(t, trending, estimated) {
    if (!trending && estimated) {
      const est = Number(t.estimate) || 0;
      return ["\u2248\u202F" + numberFormat.format(est), " posts, estimated; \u00B1" + numberFormat.format(Number(t.margin) || 0) +
        "; " + numberFormat.format(Number(t.count) || 0) + " read"];
    }
    if (!trending) {
      const count = Number(t.count) || 0;
      return [numberFormat.format(count), count === 1 ? " post" : " posts"];
    }
    const authors = Number(t.authors) || 0;
    return [numberFormat.format(authors) + (authors === 1 ? " author" : " authors") + ", usually " + baselineFormat.format(Number(t.baseline) || 0),
      " in this window"];
  }

  // shownTag is how a row's hashtag is shown: its "spelling" (as most posts write it), or the
  // canonical hashtag, which stays the row's key (history requests, markers).
  function shownTag(t) {
    return typeof t.spelling === "string" && t.spelling !== "" ? t.spelling : t.hashtag;
  }

  // rowOf is the list item of a row: rank, hashtag with its marker, sparkline, figure and a bar
  // of value against the longest, max.
  function rowOf(t, trending, estimated, value, max) {
    const count = Number(t.count) || 0;
    const li = el("li", "bar");
    li.dataset.hashtag = t.hashtag;
    li.dataset.count = String(count);
    if (estimated) {
      li.dataset.estimate = String(Number(t.estimate) || 0);
      li.dataset.margin = String(Number(t.margin) || 0);
    }
    if (trending) {
      li.dataset.authors = String(Number(t.authors) || 0);
      li.dataset.baseline = String(Number(t.baseline) || 0);
      li.dataset.score = String(value);
    }

    const rank = el("span", "rank", String(t.rank));
    rank.setAttribute("aria-hidden", "true"); // the ordered list already says the position

    const name = el("span", "name");
    const tag = el("span", "tag", shownTag(t));
    tag.dir = "auto"; // right-to-left hashtags stay isolated from the numbers around them
    tag.title = "#" + shownTag(t); // the full name where it is cut with an ellipsis
    tag.dataset.full = "#" + shownTag(t);
    name.append(tag);
    const move = marker(t.hashtag, t.rank);
    if (move) {
      li.dataset.move = move.className.slice(5);
      name.append(move);
    }

    const [text, rest] = figure(t, trending, estimated);
    const num = el("span", "count", text);
    num.append(hidden(rest));
    if (estimated && !trending) {
      const margin = el("span", "margin", "\u00B1" + numberFormat.format(Number(t.margin) || 0));
      margin.setAttribute("aria-hidden", "true");
      num.title = "Estimate from a sample: 95% range \u00B1" + numberFormat.format(Number(t.margin) || 0) +
        "; " + numberFormat.format(count) + " posts read";
      num.append(margin);
    }

    const track = el("span", "track");
    track.setAttribute("aria-hidden", "true");
    const fill = el("span", "fill");
    fill.style.width = (max > 0 ? (value / max) * 100 : 0).toFixed(2) + "%";
    track.append(fill);

    const spark = el("span", "spark");
    li.append(rank, name, spark, num, track);
    drawSpark(spark, sparks.get(t.hashtag));
    return li;
  }

  // estimatedAnswer reports whether an answer sampled the posts: coverage below 1 (issue 20).
  function estimatedAnswer(data) {
    return typeof data.coverage === "number" && data.coverage < 1;
  }

  // sampledText is the line that says how much was read: "Sampled 8% of 52,300 posts in the
  // last 24 hours", or "" where everything was read.
  function sampledText(data) {
    if (!estimatedAnswer(data)) {
      return "";
    }
    const pct = Math.max(0, data.coverage) * 100;
    const shownPct = pct > 0 && pct < 1 ? "less than 1" : numberFormat.format(Math.round(pct));
    return "Sampled " + shownPct + "% of " + numberFormat.format(Number(data.posts_had) || 0) + " posts " +
      SPAN[data.window || state.window] + ": figures marked \u2248 are estimates (\u00B1 a 95% range).";
  }

  function render(data, sel) {
    boardName.textContent = data.leaderboard;
    const board = boards.find((b) => b.name === data.leaderboard);
    query.textContent = board && board.query ? board.query : "";
    query.parentElement.hidden = !query.textContent;
    const trending = data.view === "trending";
    const estimated = estimatedAnswer(data);
    const tags = Array.isArray(data.hashtags) ? data.hashtags : [];
    const now = new Date();
    checked.dateTime = now.toISOString();
    checked.textContent = now.toLocaleTimeString();
    // An empty board whose ingest has no X API credentials yet (issue 23) says how to set them.
    const unset = data.not_configured === true;
    const key = sel + "|" + estimated + "|" + unset + "|" + tags.map((t) => t.hashtag + ":" + shownTag(t) + ":" + figure(t, trending, estimated).join("")).join(",");
    if (key === lastKey) {
      return; // nothing changed: the page stays as it is, markers included
    }
    if (sel !== shown) {
      previous = null; // another selection: nothing to compare with
    }
    sampled.textContent = sampledText(data);
    sampled.hidden = !estimated;
    // Bars are as long as the count (the estimate where sampled), or the trending view's score.
    const value = (t) => Number(trending ? t.score : (estimated ? t.estimate : t.count)) || 0;
    const max = tags.reduce((m, t) => Math.max(m, value(t)), 0);
    const rows = tags.map((t) => rowOf(t, trending, estimated, value(t), max));
    bars.replaceChildren(...rows);
    markCut();
    notConfigured.hidden = !unset;
    empty.hidden = tags.length !== 0 || unset;
    previous = new Map(tags.map((t) => [t.hashtag, t.rank]));
    shown = sel;

    // The answer that first shows these figures was read when they last changed: an unchanged
    // answer is revalidated (304) and keeps its generated_at.
    const at = new Date(data.generated_at);
    updated.dateTime = data.generated_at;
    updated.textContent = isNaN(at) ? data.generated_at : at.toLocaleTimeString();

    announce.textContent = tags.length === 0
      ? empty.textContent
      : (trending ? "Trending updated. First: " : "Leaderboard updated. First: ") + shownTag(tags[0]) + " with " + figure(tags[0], trending, estimated).join("") + ".";
    lastKey = key;
  }

  // markCut makes the hashtags cut with an ellipsis focusable, so a keyboard reaches their
  // full name (shown on focus and hover); the others stay out of the tab order.
  function markCut() {
    for (const tag of bars.querySelectorAll(".tag")) {
      if (tag.scrollWidth > tag.clientWidth + 1) {
        tag.tabIndex = 0;
      } else {
        tag.removeAttribute("tabindex");
      }
    }
  }
  window.addEventListener("resize", markCut);

  // drawSpark fills a row's sparkline: one column per bucket, oldest first, its height the
  // bucket's count against the row's busiest bucket.
  function drawSpark(spark, points) {
    if (!Array.isArray(points) || points.length === 0) {
      spark.replaceChildren();
      spark.removeAttribute("role");
      spark.removeAttribute("aria-label");
      return;
    }
    // A sampled history has estimates beside the counts: the columns follow the estimates.
    const counts = points.map((p) => Number(typeof p.estimate === "number" ? p.estimate : p.count) || 0);
    const max = Math.max(...counts);
    const cols = points.map((p, i) => {
      const col = el("span", "col");
      col.dataset.count = String(counts[i]);
      col.style.height = (max > 0 ? (counts[i] / max) * 100 : 0).toFixed(2) + "%";
      const start = new Date(p.start);
      col.title = (isNaN(start) ? p.start : timeFormat.format(start)) + ": " + numberFormat.format(counts[i]);
      return col;
    });
    spark.replaceChildren(...cols);
    spark.setAttribute("role", "img");
    const total = counts.reduce((a, b) => a + b, 0);
    spark.setAttribute("aria-label", legend.textContent + ": " + numberFormat.format(total) + " in all, at most " +
      numberFormat.format(max) + " per column, " + numberFormat.format(counts[counts.length - 1]) + " in the latest");
  }

  // renderSparks draws the series of the history answers (one per chunk of rows; a failed
  // chunk, null, keeps the points it had).
  function renderSparks(answers, key) {
    const next = new Map();
    answers.forEach((data, i) => {
      const series = data && Array.isArray(data.series) ? data.series : null;
      if (series) {
        for (const s of series) {
          next.set(s.hashtag, s.points);
        }
      } else {
        for (const t of answersTags[i] || []) {
          if (sparks.has(t)) {
            next.set(t, sparks.get(t));
          }
        }
      }
    });
    const text = JSON.stringify([...next]);
    if (key + text === sparkKey) {
      return;
    }
    sparkKey = key + text;
    sparks = next;
    for (const li of bars.children) {
      drawSpark(li.querySelector(".spark"), sparks.get(li.dataset.hashtag));
    }
  }

  async function getJSON(url) {
    const res = await fetch(url, {
      headers: { Accept: "application/json" },
      cache: "no-cache", // revalidate with If-None-Match; a 304 reuses the cached body
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!res.ok) {
      throw new Error("HTTP " + res.status);
    }
    return res.json();
  }

  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState !== "hidden") {
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  async function refresh() {
    clearTimeout(timer);
    const q = selection();
    const sel = q.toString();
    const mine = ++seq;
    legend.textContent = SPARK[state.window].legend;
    axisFrom.textContent = SPARK[state.window].from;
    try {
      const data = await getJSON(location.pathname + "?" + sel);
      if (mine !== seq) {
        return; // a newer refresh was started (the selection changed)
      }
      if (sel !== shown) {
        sparks = new Map(); // another selection: its history is not this one's
        sparkKey = "";
      }
      render(data, sel);
      if (!error.hidden) {
        error.hidden = true;
        announce.textContent = "Leaderboard updated again.";
      }
      const urls = historyURLs((Array.isArray(data.hashtags) ? data.hashtags : []).map((t) => t.hashtag));
      if (urls.length > 0) {
        // A chunk that fails keeps its sparklines' last data; the next refresh asks again.
        const hists = await Promise.all(urls.map((u) => getJSON(u).catch(() => null)));
        if (mine === seq) {
          answersTags = urls.map((u) => (new URL(u, location.href).searchParams.get("hashtags") || "").split(","));
          renderSparks(hists, sel);
        }
      }
    } catch (e) {
      if (mine !== seq) {
        return;
      }
      // Keep the last data if it is for the current selection; otherwise it would mislead.
      if (shown !== sel) {
        bars.replaceChildren();
        empty.hidden = true;
        shown = "";
        lastKey = "";
        previous = null;
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
    if (!boardChoice.hidden) {
      state.board = boardSelect.value;
    }
    state.view = viewSelect.value;
    state.window = windowSelect.value;
    state.limit = limitSelect.value;
    fitWindow();
    remember();
    refresh();
  }
  boardSelect.addEventListener("change", onChange);
  viewSelect.addEventListener("change", onChange);
  windowSelect.addEventListener("change", onChange);
  limitSelect.addEventListener("change", onChange);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      refresh();
    } else {
      clearTimeout(timer);
    }
  });

  // The list of boards gives the selector (shown with two boards or more; never in the widget,
  // which has no controls), each board's query, and the default board where the address names
  // an unknown one. Without the list the page still works, on the address's board.
  loadBoards().catch(() => {}).then(() => {
    remember();
    refresh();
  });
})();
