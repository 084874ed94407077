// Miroir sandbox page: draws one chat from /api/state and redraws it when /events says so.
// People's and the bot's words only ever go into textContent, never parsed as HTML.
"use strict";

(() => {
  const WORDS = {
    fr: {
      sandbox: "🧪 Bac à sable",
      "clock.reminder": "⏩ Prochain rappel",
      "clock.after": "⏩ Après la séance",
      group: "👥 Groupe",
      composer: "Message",
      "voice.sample": "Envoyer un exemple de message vocal",
      "voice.record": "Enregistrer un message vocal",
      "voice.stop": "Arrêter et envoyer",
      keyboard: "Afficher ou cacher les boutons",
      send: "Envoyer",
      bot: "bot",
      you: "vous êtes {name}",
      facilitator: "équipe d'animation",
      members: "{n} membres",
      actor: "vous écrivez en tant que {name}",
      edited: "modifié",
      today: "Aujourd'hui",
      empty: "👋 Aucun message pour l'instant.",
      start: "▶️ Démarrer",
      emptyGroup: "👋 Aucun message dans le groupe pour l'instant.",
      violationsOne: "⚠️ Telegram refuserait 1 demande du bot :",
      violationsMany: "⚠️ Telegram refuserait {n} demandes du bot :",
      noReminder: "⏰ Aucun rappel prévu pour l'instant.",
      noSession: "📅 Aucune séance prévue pour l'instant.",
      failed: "❌ Le bac à sable n'a pas répondu.",
      noMic: "🎤 Le micro n'est pas disponible.",
      noVoiceInGroup: "🎤 Les messages vocaux vont dans une discussion privée.",
      recording: "🔴 Enregistrement… touchez ⏹ pour envoyer",
      download: "Télécharger",
      ok: "OK",
      switchTo: "English",
    },
    en: {
      sandbox: "🧪 Sandbox",
      "clock.reminder": "⏩ Next reminder",
      "clock.after": "⏩ After the session",
      group: "👥 Group",
      composer: "Message",
      "voice.sample": "Send a sample voice message",
      "voice.record": "Record a voice message",
      "voice.stop": "Stop and send",
      keyboard: "Show or hide the buttons",
      send: "Send",
      bot: "bot",
      you: "you are {name}",
      facilitator: "facilitator team",
      members: "{n} members",
      actor: "you write as {name}",
      edited: "edited",
      today: "Today",
      empty: "👋 No messages yet.",
      start: "▶️ Start",
      emptyGroup: "👋 No messages in the group yet.",
      violationsOne: "⚠️ Telegram would refuse 1 request of the bot:",
      violationsMany: "⚠️ Telegram would refuse {n} requests of the bot:",
      noReminder: "⏰ No reminder planned for now.",
      noSession: "📅 No session planned for now.",
      failed: "❌ The sandbox did not answer.",
      noMic: "🎤 The microphone is not available.",
      noVoiceInGroup: "🎤 Voice messages go to a private chat.",
      recording: "🔴 Recording… tap ⏹ to send",
      download: "Download",
      ok: "OK",
      switchTo: "Français",
    },
  };
  const PEOPLE = ["nadia", "karim", "john", "claire"];
  const TOAST_MS = 3000;
  const ALERT_MS = 6000;

  const $ = (selector) => document.querySelector(selector);
  const messagesBox = $("#messages");
  const feed = document.createElement("div");
  feed.className = "feed";
  messagesBox.append(feed);
  const composer = $("#composer");

  let lang = localStorage.getItem("miroir-sandbox-lang") === "en" ? "en" : "fr";
  let chat = chatFromHash() || "nadia";
  let actor = PEOPLE.includes(chat) ? chat : localStorage.getItem("miroir-sandbox-actor") || "nadia";
  let state = null;
  let loading = false;
  let again = false;
  let shownVersion = null;
  let stickToBottom = true;
  let pinned = true; // the chat shows its newest message; it stays so as things load
  let userScrolled = false;
  const drawn = new Map(); // message id -> {signature, element}
  const toastQueue = [];
  let toastTimer = null;
  let recorder = null;

  // ------------------------------------------------------------------ words of the page

  function w(key, params = {}) {
    const text = (WORDS[lang] && WORDS[lang][key]) || WORDS.fr[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
  }

  function translatePage() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = w(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-title]")) {
      el.title = w(el.dataset.i18nTitle);
      el.setAttribute("aria-label", el.title);
    }
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = w(el.dataset.i18nPlaceholder);
    }
    const switcher = $("#ui-lang");
    switcher.textContent = lang === "fr" ? "EN" : "FR";
    switcher.title = w("switchTo");
  }

  // ------------------------------------------------------------------ talking to the server

  async function post(path, body) {
    const options = { method: "POST" };
    if (body instanceof FormData) {
      options.body = body;
    } else {
      options.headers = { "Content-Type": "application/json" };
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (!response.ok) {
      const error = new Error(await response.text());
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  async function act(path, body) {
    stickToBottom = true;
    try {
      return await post(path, body);
    } catch (error) {
      showToast({ text: error.status ? `❌ ${error.message}` : w("failed"), alert: false });
      return null;
    }
  }

  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        const asked = chat;
        const params = new URLSearchParams({ chat: asked, as: actor });
        const response = await fetch(`/api/state?${params}`, { cache: "no-store" });
        if (!response.ok) throw new Error(await response.text());
        const fresh = await response.json();
        if (asked === chat) {
          state = fresh;
          render();
        }
      } while (again);
    } catch (error) {
      console.warn("state", error);
    } finally {
      loading = false;
    }
  }

  function listen() {
    const events = new EventSource("/events");
    events.onmessage = (event) => {
      if (event.data !== shownVersion) {
        shownVersion = event.data;
        refresh();
      }
    };
  }

  // ------------------------------------------------------------------ drawing

  function render() {
    if (!state) return;
    renderHeader();
    renderPersonas();
    renderViolations();
    renderKeyboard();
    renderMessages();
    $("#now").textContent = state.now_text[lang] || state.now_text.fr;
    composer.placeholder = state.placeholder || w("composer");
    const inGroup = state.chat.type === "group";
    $("#record").disabled = inGroup && !recorder;
    $("#voice-sample").disabled = inGroup;
    for (const toast of state.toasts) showToast(toast);
    state.toasts = [];
  }

  function actorName() {
    const me = personOf(state.chat.actor);
    return me ? me.name : "";
  }

  function personOf(key) {
    return (state.personas || []).find((p) => p.key === key);
  }

  function renderHeader() {
    const avatar = $("#chat-avatar");
    const inGroup = state.chat.type === "group";
    $("#chat-title").textContent = state.chat.title;
    avatar.textContent = (state.chat.title || "M").trim().charAt(0).toUpperCase();
    avatar.classList.toggle("group", inGroup);
    const me = personOf(state.chat.actor);
    let subtitle;
    if (inGroup) {
      subtitle = `${w("members", { n: state.chat.members })} · ${w("actor", { name: me ? me.name : "" })}`;
    } else {
      subtitle = `${w("bot")} · ${w("you", { name: me ? me.name : "" })}`;
      if (me && me.facilitator) subtitle += ` · ${w("facilitator")}`;
    }
    $("#chat-subtitle").textContent = subtitle;
  }

  function renderPersonas() {
    for (const button of document.querySelectorAll("[data-persona]")) {
      const key = button.dataset.persona;
      button.classList.toggle("active", key === chat);
      const person = personOf(key);
      if (!person) continue;
      if (key !== "group") {
        const name = person.facilitator ? `${person.name} ⭐` : person.name;
        const label = person.language === "en" ? `${name} 🇬🇧` : name;
        button.querySelector(".name").textContent = label;
      }
      const badge = button.querySelector(".badge");
      const unread = key === chat ? 0 : person.unread;
      badge.hidden = !unread;
      badge.textContent = unread ? String(unread) : "";
    }
  }

  function renderViolations() {
    const box = $("#violations");
    const list = state.violations || [];
    box.hidden = list.length === 0;
    if (!list.length) return;
    box.querySelector(".violations-title").textContent =
      list.length === 1 ? w("violationsOne") : w("violationsMany", { n: list.length });
    const items = list.slice(-5).map((v) => {
      const li = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = v.method;
      li.append(code, document.createTextNode(` : ${v.description}`));
      return li;
    });
    box.querySelector("ul").replaceChildren(...items);
  }

  function dayKey(message) {
    return message.date.slice(0, 10);
  }

  function dayLabel(message) {
    if (dayKey(message) === state.now.slice(0, 10)) return w("today");
    const date = new Date(message.date);
    const options = { weekday: "long", day: "numeric", month: "long" };
    try {
      options.timeZone = state.tz;
      return date.toLocaleDateString(lang === "en" ? "en-GB" : "fr-FR", options);
    } catch {
      return message.date.slice(0, 10);
    }
  }

  function renderMessages() {
    const nodes = [];
    const alive = new Set();
    let lastDay = null;
    for (const message of state.messages) {
      const day = dayKey(message);
      if (day !== lastDay) {
        const chip = document.createElement("div");
        chip.className = "day";
        chip.textContent = dayLabel(message);
        nodes.push(chip);
        lastDay = day;
      }
      const signature = `${lang}|${state.chat.actor}|${JSON.stringify(message)}`;
      let entry = drawn.get(message.id);
      if (!entry || entry.signature !== signature) {
        entry = { signature, element: drawMessage(message) };
        drawn.set(message.id, entry);
      }
      alive.add(message.id);
      nodes.push(entry.element);
    }
    for (const id of [...drawn.keys()]) if (!alive.has(id)) drawn.delete(id);
    if (!nodes.length) nodes.push(drawEmpty());
    const same =
      nodes.length === feed.children.length && nodes.every((n, i) => feed.children[i] === n);
    if (!same) feed.replaceChildren(...nodes);
    if (stickToBottom || pinned) {
      toBottom();
      stickToBottom = false;
    }
  }

  // A bot nobody talked to yet: Telegram shows its START button.
  function drawEmpty() {
    const empty = document.createElement("div");
    empty.className = "empty";
    const words = document.createElement("div");
    words.textContent = state.chat.type === "group" ? w("emptyGroup") : w("empty");
    empty.append(words);
    if (state.chat.type !== "group") {
      const start = document.createElement("button");
      start.type = "button";
      start.className = "start";
      start.textContent = w("start");
      start.addEventListener("click", () => act("/api/send", { chat, text: "/start", as: actor }));
      empty.append(start);
    }
    return empty;
  }

  function drawMessage(message) {
    const box = document.createElement("div");
    box.className = "msg";
    box.dataset.id = String(message.id);
    box.dataset.from = message.from;
    if (message.edited) box.classList.add("edited");
    if (message.file && message.kind === "photo") box.classList.add("media");

    const bubble = document.createElement("div");
    bubble.className = "bubble";
    box.append(bubble);

    const inGroup = state.chat.type === "group";
    // In the group, only the chosen person's own messages sit on the right, as in Telegram.
    const mine = message.from === "user" && (!inGroup || message.sender === actorName());
    if (!mine) box.classList.add("theirs");
    if (inGroup && !mine) {
      const sender = document.createElement("div");
      // Each name keeps its colour, as in Telegram's groups.
      const hue = [...message.sender].reduce((sum, c) => sum + c.codePointAt(0), 0) % 6;
      sender.className = `sender c${hue}`;
      sender.textContent = message.sender;
      bubble.append(sender);
    }
    if (message.reply_to) {
      const quote = document.createElement("div");
      quote.className = "reply";
      quote.textContent = message.reply_to.text;
      bubble.append(quote);
    }
    if (message.file) bubble.append(drawFile(message));

    const text = document.createElement("div");
    text.className = "text";
    if (message.kind === "sticker") text.classList.add("sticker-emoji");
    drawText(text, message.text || "", message.entities || []);
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = message.time;
    if (message.edited) meta.dataset.edited = w("edited");
    // The time sits in the bubble's corner; the text keeps room for it on its last line.
    bubble.append(text, meta);
    if (!message.text) box.classList.add("no-text");

    if (message.buttons && message.buttons.length) {
      const keyboard = document.createElement("div");
      keyboard.className = "inline-keyboard";
      for (const row of message.buttons) {
        const line = document.createElement("div");
        line.className = "inline-row";
        for (const label of row) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "inline";
          button.dataset.text = label;
          button.textContent = label;
          const url = message.urls && message.urls[label];
          if (url) {
            button.classList.add("link");
            button.dataset.url = url;
          }
          line.append(button);
        }
        keyboard.append(line);
      }
      box.append(keyboard);
    }
    return box;
  }

  function drawFile(message) {
    if (message.kind === "photo") {
      const img = document.createElement("img");
      img.className = "photo";
      img.src = message.file;
      img.alt = message.text || "";
      img.loading = "lazy";
      img.addEventListener("click", () => window.open(message.file, "_blank", "noopener"));
      return img;
    }
    if (message.kind === "voice" || message.kind === "audio") {
      const audio = document.createElement("audio");
      audio.className = "voice";
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = message.file;
      return audio;
    }
    const link = document.createElement("a");
    link.className = "document";
    link.href = message.file;
    link.download = message.file_name || "document";
    const icon = document.createElement("span");
    icon.className = "doc-icon";
    icon.textContent = "📄";
    const about = document.createElement("span");
    const name = document.createElement("div");
    name.className = "doc-name";
    name.textContent = message.file_name || "document";
    const hint = document.createElement("div");
    hint.className = "doc-hint";
    hint.textContent = w("download");
    about.append(name, hint);
    link.append(icon, about);
    return link;
  }

  // Telegram's formatting (bold, italic...) drawn as elements around plain text nodes;
  // offsets count UTF-16 units, like JavaScript strings.
  function drawText(container, text, entities) {
    if (!entities.length) {
      container.textContent = text;
      return;
    }
    const cuts = new Set([0, text.length]);
    for (const e of entities) {
      cuts.add(Math.min(e.offset, text.length));
      cuts.add(Math.min(e.offset + e.length, text.length));
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i += 1) {
      const start = points[i];
      const end = points[i + 1];
      let node = document.createTextNode(text.slice(start, end));
      for (const e of entities) {
        if (e.offset <= start && end <= e.offset + e.length) node = wrap(node, e);
      }
      container.append(node);
    }
  }

  function wrap(node, entity) {
    const tags = {
      bold: "b",
      italic: "i",
      underline: "u",
      strikethrough: "s",
      code: "code",
      pre: "pre",
      spoiler: "span",
    };
    let el;
    if (entity.type === "text_link" && entity.url) {
      el = document.createElement("a");
      el.href = entity.url;
      el.target = "_blank";
      el.rel = "noopener noreferrer";
    } else {
      el = document.createElement(tags[entity.type] || "span");
    }
    el.append(node);
    return el;
  }

  function renderKeyboard() {
    const box = $("#keyboard");
    const rows = state.keyboard || [];
    const toggle = $("#keyboard-toggle");
    toggle.hidden = rows.length === 0;
    const signature = JSON.stringify(rows);
    if (box.dataset.signature === signature) return;
    // A new keyboard from the bot opens, as in Telegram.
    box.dataset.signature = signature;
    box.hidden = rows.length === 0;
    toggle.classList.toggle("open", !box.hidden);
    const lines = rows.map((row) => {
      const line = document.createElement("div");
      line.className = "key-row";
      for (const label of row) {
        const key = document.createElement("button");
        key.type = "button";
        key.className = "key";
        key.dataset.text = label;
        key.textContent = label;
        line.append(key);
      }
      return line;
    });
    box.replaceChildren(...lines);
  }

  function toBottom() {
    messagesBox.scrollTop = messagesBox.scrollHeight;
    pinned = true;
    userScrolled = false;
  }

  // ------------------------------------------------------------------ toasts and alerts

  function showToast(toast) {
    // Like Telegram, a new toast replaces the one on screen; alerts wait for their OK.
    const box = $("#toast");
    const showingToast = toastTimer && !box.classList.contains("alert");
    if (!toast.alert && showingToast && !toastQueue.some((t) => t.alert)) {
      clearTimeout(toastTimer);
      toastQueue.length = 0;
      toastQueue.push(toast);
      nextToast();
      return;
    }
    toastQueue.push(toast);
    if (!toastTimer) nextToast();
  }

  function nextToast() {
    const box = $("#toast");
    const toast = toastQueue.shift();
    if (!toast) {
      box.hidden = true;
      box.classList.remove("alert");
      toastTimer = null;
      return;
    }
    const words = document.createElement("div");
    words.textContent = toast.text;
    const parts = [words];
    if (toast.alert) {
      const ok = document.createElement("button");
      ok.type = "button";
      ok.className = "ok";
      ok.textContent = w("ok");
      ok.addEventListener("click", () => {
        clearTimeout(toastTimer);
        nextToast();
      });
      parts.push(ok);
    }
    box.replaceChildren(...parts);
    box.classList.toggle("alert", Boolean(toast.alert));
    box.hidden = false;
    toastTimer = setTimeout(nextToast, toast.alert ? ALERT_MS : TOAST_MS);
  }

  // ------------------------------------------------------------------ what people do

  function chatFromHash() {
    const key = decodeURIComponent(location.hash.slice(1));
    return [...PEOPLE, "group"].includes(key) ? key : null;
  }

  function choose(key) {
    if (key === chat) return;
    chat = key;
    if (PEOPLE.includes(key)) {
      actor = key;
      localStorage.setItem("miroir-sandbox-actor", actor);
    }
    history.replaceState(null, "", `#${key}`);
    drawn.clear();
    state = null;
    stickToBottom = true;
    for (const b of document.querySelectorAll("[data-persona]")) {
      b.classList.toggle("active", b.dataset.persona === key);
    }
    feed.replaceChildren();
    $("#keyboard").dataset.signature = "";
    refresh();
  }

  async function sendText() {
    const text = composer.value;
    if (!text.trim()) return;
    composer.value = "";
    growComposer();
    await act("/api/send", { chat, text, as: actor });
  }

  function growComposer() {
    composer.style.height = "auto";
    composer.style.height = `${Math.min(composer.scrollHeight, 120)}px`;
    $("#send").disabled = !composer.value.trim();
  }

  async function moveClock(button) {
    const buttons = document.querySelectorAll("[data-clock]");
    for (const b of buttons) b.disabled = true;
    try {
      const answer = await post("/api/clock", { move: button.dataset.clock });
      $("#now").textContent = answer.now_text[lang] || answer.now_text.fr;
    } catch (error) {
      if (error.status === 409) {
        showToast({ text: button.dataset.clock === "reminder" ? w("noReminder") : w("noSession") });
      } else {
        showToast({ text: error.status ? `❌ ${error.message}` : w("failed") });
      }
    } finally {
      for (const b of buttons) b.disabled = false;
    }
    refresh();
  }

  async function toggleRecording() {
    const button = $("#record");
    if (recorder) {
      recorder.stop();
      return;
    }
    if (state && state.chat.type === "group") {
      showToast({ text: w("noVoiceInGroup") });
      return;
    }
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      showToast({ text: w("noMic") });
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      showToast({ text: w("noMic") });
      return;
    }
    const type = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", ""].find(
      (t) => t === "" || MediaRecorder.isTypeSupported(t),
    );
    const chunks = [];
    const started = Date.now();
    const target = chat;
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
    recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
    recorder.addEventListener("stop", async () => {
      for (const track of stream.getTracks()) track.stop();
      recorder = null;
      button.classList.remove("recording");
      button.textContent = "🎤";
      button.title = w("voice.record");
      composer.placeholder = (state && state.placeholder) || w("composer");
      const blob = new Blob(chunks, { type: type || "audio/ogg" });
      const form = new FormData();
      form.append("chat", target);
      form.append("as", actor);
      form.append("duration", String(Math.max(1, Math.round((Date.now() - started) / 1000))));
      form.append("voice", blob, type.includes("webm") ? "voice.webm" : "voice.ogg");
      await act("/api/voice", form);
    });
    recorder.start();
    button.classList.add("recording");
    button.textContent = "⏹";
    button.title = w("voice.stop");
    composer.placeholder = w("recording");
  }

  function wire() {
    $(".personas").addEventListener("click", (event) => {
      const button = event.target.closest("[data-persona]");
      if (button) choose(button.dataset.persona);
    });
    messagesBox.addEventListener("click", (event) => {
      const button = event.target.closest("button.inline");
      if (!button) return;
      if (button.dataset.url) {
        window.open(button.dataset.url, "_blank", "noopener");
        return;
      }
      const message = button.closest(".msg");
      button.classList.add("pressed");
      setTimeout(() => button.classList.remove("pressed"), 400);
      act("/api/tap", {
        chat,
        message_id: Number(message.dataset.id),
        text: button.dataset.text,
        as: actor,
      });
    });
    $("#keyboard").addEventListener("click", (event) => {
      const key = event.target.closest("button.key");
      if (key) act("/api/key", { chat, text: key.dataset.text, as: actor });
    });
    $("#send").addEventListener("click", sendText);
    $("#keyboard-toggle").addEventListener("click", () => {
      const box = $("#keyboard");
      box.hidden = !box.hidden;
      $("#keyboard-toggle").classList.toggle("open", !box.hidden);
    });
    // Only the person scrolling up unpins the chat; sizes changing never do.
    for (const type of ["wheel", "touchstart", "keydown", "pointerdown"]) {
      messagesBox.addEventListener(type, () => { userScrolled = true; }, { passive: true });
    }
    messagesBox.addEventListener("scroll", () => {
      const near =
        messagesBox.scrollHeight - messagesBox.scrollTop - messagesBox.clientHeight < 80;
      if (near) pinned = true;
      else if (userScrolled) pinned = false;
    });
    // Pictures, fonts, the keyboard opening: whatever changes sizes keeps the newest in view.
    const keepPinned = new ResizeObserver(() => {
      if (pinned) toBottom();
    });
    keepPinned.observe(feed);
    keepPinned.observe(messagesBox);
    composer.addEventListener("input", growComposer);
    composer.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendText();
      }
    });
    $("#voice-sample").addEventListener("click", () =>
      act("/api/voice", { chat, sample: true, as: actor }),
    );
    $("#record").addEventListener("click", toggleRecording);
    for (const button of document.querySelectorAll("[data-clock]")) {
      button.addEventListener("click", () => moveClock(button));
    }
    $("#ui-lang").addEventListener("click", () => {
      lang = lang === "fr" ? "en" : "fr";
      localStorage.setItem("miroir-sandbox-lang", lang);
      translatePage();
      render();
    });
    window.addEventListener("hashchange", () => {
      const key = chatFromHash();
      if (key) choose(key);
    });
  }

  translatePage();
  wire();
  growComposer();
  for (const b of document.querySelectorAll("[data-persona]")) {
    b.classList.toggle("active", b.dataset.persona === chat);
  }
  refresh();
  listen();
  // The sandbox's clock also moves on its own, minute by minute.
  setInterval(refresh, 30000);
})();
