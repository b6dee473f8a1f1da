/* Web chat page: talks to Rasa's socket.io channel (channels/socketio.py).
 *
 * Events: session_request → session_confirm + bot_history (+ waiting messages);
 * user_uttered {message, session_id, metadata}; bot_uttered {text, quick_replies,
 * attachment, kind, event, id}; bot_typing {typing}.
 * Every text from the server is added with textContent / text nodes, never innerHTML.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("chat-config").textContent);
  var T = config.texts;
  var STORAGE_KEY = "claimChat.sessionId";
  var SENDER_LABELS = { bot: T.assistant, notice: T.assistant, agent: T.agent, user: T.you };

  var messages = document.getElementById("messages");
  var typing = document.getElementById("typing");
  var statusEl = document.getElementById("status");
  var banner = document.getElementById("agent-banner");
  var toast = document.getElementById("toast");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var fileInput = document.getElementById("file");

  var sessionId = readSession();
  var seenIds = {};
  var typingTimer = null;
  var toastTimer = null;

  function readSession() {
    try { return window.localStorage.getItem(STORAGE_KEY); } catch (e) { return null; }
  }
  function saveSession(id) {
    sessionId = id;
    try { window.localStorage.setItem(STORAGE_KEY, id); } catch (e) { /* private mode */ }
  }

  // --- rendering ------------------------------------------------------------------------

  var LINK = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"'，。！？；、）)\]]+)/g;

  function appendInline(parent, text) {
    var last = 0;
    var match;
    LINK.lastIndex = 0;
    while ((match = LINK.exec(text)) !== null) {
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = match[2] || match[3];
      a.textContent = match[1] || match[3];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendRichText(container, text) {
    var list = null;
    var listType = null;
    String(text).split("\n").forEach(function (line) {
      var ordered = line.match(/^\s*(\d{1,2})[.、)）]\s*(.*)$/);
      var bullet = line.match(/^\s*[-•·*]\s+(.*)$/);
      if (ordered || bullet) {
        var type = ordered ? "ol" : "ul";
        if (!list || listType !== type) {
          list = document.createElement(type);
          if (ordered) { list.start = parseInt(ordered[1], 10); }
          listType = type;
          container.appendChild(list);
        }
        var item = document.createElement("li");
        appendInline(item, ordered ? ordered[2] : bullet[1]);
        list.appendChild(item);
        return;
      }
      list = null;
      if (!line.trim()) { return; }
      var p = document.createElement("p");
      appendInline(p, line);
      container.appendChild(p);
    });
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function addRow(sender, build) {
    var row = document.createElement("div");
    row.className = "row " + sender;
    if (sender === "agent") {
      var who = document.createElement("div");
      who.className = "who";
      who.textContent = SENDER_LABELS.agent;
      row.appendChild(who);
    }
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    build(bubble);
    row.appendChild(bubble);
    messages.appendChild(row);
    scrollDown();
    return row;
  }

  function disableChoices() {
    var buttons = messages.querySelectorAll(".choice:not(:disabled)");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
  }

  function addChoices(row, buttons, active) {
    if (!buttons || !buttons.length) { return; }
    var box = document.createElement("div");
    box.className = "choices";
    buttons.forEach(function (button) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.className = "choice";
      choice.textContent = button.title;
      choice.disabled = !active;
      choice.addEventListener("click", function () {
        send(String(button.payload), String(button.title));
      });
      box.appendChild(choice);
    });
    row.appendChild(box);
    scrollDown();
  }

  function imageSource(message) {
    var attachment = message.attachment;
    var src = message.image ||
      (attachment && attachment.type === "image" && attachment.payload && attachment.payload.src);
    return typeof src === "string" && /^https?:\/\//.test(src) ? src : null;
  }

  function showMessage(message, active) {
    var sender = message.sender || message.kind || "bot";
    if (["user", "bot", "agent", "notice", "system"].indexOf(sender) < 0) { sender = "bot"; }
    if (message.event === "agent_joined" || sender === "agent") { banner.hidden = false; }
    if (message.event === "agent_left") { banner.hidden = true; }
    var text = message.text || "";
    var image = imageSource(message);
    var buttons = message.buttons || message.quick_replies || [];
    if (!text && !image && !buttons.length) { return; }
    if (active) { disableChoices(); }
    var row = addRow(sender, function (bubble) {
      if (text) { appendRichText(bubble, text); }
      if (image) {
        var img = document.createElement("img");
        img.className = "attachment";
        img.alt = "";
        img.src = image;
        bubble.appendChild(img);
      }
    });
    addChoices(row, buttons, active);
  }

  function showWelcome() {
    showMessage({ sender: "bot", text: T.welcome, buttons: T.quick_start }, true);
  }

  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      messages.appendChild(typing);
      scrollDown();
      typingTimer = setTimeout(function () { typing.hidden = true; }, 20000);
    }
  }

  function showToast(text) {
    clearTimeout(toastTimer);
    toast.textContent = text;
    toast.hidden = false;
    toastTimer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  function setStatus(text, online) {
    statusEl.textContent = text;
    statusEl.classList.toggle("online", !!online);
  }

  // --- socket -------------------------------------------------------------------------

  var socketUrl = config.socketUrl ||
    (window.location.protocol + "//" + window.location.hostname + ":" + config.rasaPort);
  // HTTP long-polling only: Rasa's Sanic cannot serve socket.io's WebSocket transport.
  var socket = window.io(socketUrl, { path: config.socketPath, transports: ["polling"], upgrade: false });
  setStatus(T.connecting, false);

  socket.on("connect", function () {
    setStatus(T.online, true);
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("disconnect", function () { setStatus(T.reconnecting, false); });
  socket.on("connect_error", function () { setStatus(T.reconnecting, false); });

  socket.on("session_confirm", function (id) {
    if (typeof id === "string") { saveSession(id); }
  });

  socket.on("bot_history", function (data) {
    var items = (data && data.messages) || [];
    messages.textContent = "";
    document.body.setAttribute("data-history", String(items.length));
    banner.hidden = true;
    seenIds = {};
    if (!items.length) { showWelcome(); return; }
    items.forEach(function (item, index) { showMessage(item, index === items.length - 1); });
  });

  socket.on("bot_uttered", function (message) {
    if (!message) { return; }
    if (message.id) {
      if (seenIds[message.id]) { return; }
      seenIds[message.id] = true;
    }
    setTyping(false);
    showMessage(message, true);
  });

  socket.on("bot_typing", function (data) {
    var on = !!(data && data.typing);
    setTyping(on);
    if (!on) { document.body.setAttribute("data-bot-busy", "0"); }
  });

  function send(text, display) {
    text = String(text || "").trim();
    if (!text || !sessionId) { return; }
    disableChoices();
    addRow("user", function (bubble) { appendRichText(bubble, display || text); });
    var payload = { message: text, session_id: sessionId };
    if (display && display !== text) { payload.metadata = { display_text: display }; }
    document.body.setAttribute("data-bot-busy", "1");
    socket.emit("user_uttered", payload);
    setTyping(true);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  // --- upload ---------------------------------------------------------------------------

  var ALLOWED_TYPES = ["image/jpeg", "image/png", "application/pdf"];

  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) { return; }
    var typeOk = ALLOWED_TYPES.indexOf(file.type) >= 0 || /\.(jpe?g|png|pdf)$/i.test(file.name);
    if (!typeOk) { showToast(T.wrong_type); return; }
    if (file.size > config.maxUploadBytes) { showToast(T.too_large); return; }
    upload(file);
  });

  function upload(file) {
    var state = document.createElement("span");
    state.className = "upload-state";
    state.textContent = T.uploading;
    addRow("user", function (bubble) {
      if (/^image\//.test(file.type)) {
        var img = document.createElement("img");
        img.className = "attachment";
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        bubble.appendChild(img);
      } else {
        var name = document.createElement("span");
        name.className = "file";
        name.textContent = "📄 " + file.name;
        bubble.appendChild(name);
      }
      bubble.appendChild(state);
    });
    var body = new FormData();
    body.append("file", file);
    body.append("session_id", sessionId || "");
    fetch(config.uploadUrl, { method: "POST", body: body })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok) {
            state.textContent = T.uploaded;
            return;
          }
          state.textContent = T.upload_failed;
          state.classList.add("failed");
          showToast(data.message_zh || T.network_error);
        });
      })
      .catch(function () {
        state.textContent = T.upload_failed;
        state.classList.add("failed");
        showToast(T.network_error);
      });
  }
})();
