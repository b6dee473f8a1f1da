/* The agent console (/agent): queue, conversation, reply box, live over WebSocket.
 *
 * Every text that comes from a customer (or from anywhere outside this file) is set with
 * textContent, never as HTML. State shown here is rebuilt from the server after any
 * reconnect, so nothing depends on having seen every live message. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("console-config").textContent);
  var me = config.agent.username;
  var current = null;      // the open conversation id
  var view = null;         // its last view from the server
  var socket = null;
  var retry = 500;
  var lastQueue = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function clock(seconds) {
    if (!seconds) { return ""; }
    var d = new Date(seconds * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  function waited(since) {
    var minutes = Math.max(0, Math.floor((Date.now() / 1000 - Number(since || 0)) / 60));
    return minutes < 1 ? "不到1分钟" : minutes + "分钟";
  }

  function notice(text) {
    var box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (method !== "GET") { options.headers["X-Agent-Console"] = "1"; }
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      if (response.status === 401) { window.location.href = "/agent/login"; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var detail = data && data.detail;
          var error = new Error((detail && detail.message) || data.message_zh ||
                                (typeof detail === "string" ? detail : "请求失败"));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  function path(id) { return "/agent/api/conversations/" + encodeURIComponent(id); }

  function badge(emotion) {
    if (!emotion) { return null; }
    return el("span", "badge " + emotion, config.emotions[emotion] || emotion);
  }

  // --- queue -----------------------------------------------------------------------------

  function queueItem(item, kind) {
    var li = el("li");
    li.setAttribute("data-conversation-id", item.conversation_id);
    if (item.conversation_id === current) { li.classList.add("selected"); }
    var line1 = el("div", "line1");
    if (kind === "waiting") { line1.appendChild(el("span", "position", "#" + item.position + " ")); }
    line1.appendChild(document.createTextNode(config.channels[item.channel] || item.channel || "未知渠道"));
    var mood = badge(item.last_emotion);
    if (mood) { line1.appendChild(mood); }
    li.appendChild(line1);
    var meta = kind === "waiting"
      ? (config.reasons[item.reason] || item.reason || "") + " · 已等待" + waited(item.requested_at)
      : "客服 " + (item.agent_name || item.agent || "") + (item.agent === me ? "（我）" : "");
    li.appendChild(el("div", "muted", meta));
    li.appendChild(el("div", "line2", item.last_text || item.summary || ""));
    li.addEventListener("click", function () { open(item.conversation_id); });
    return li;
  }

  function callbackItem(item) {
    var li = el("li");
    li.setAttribute("data-reference", item.reference);
    li.appendChild(el("div", "line1", item.reference + " · " + item.phone));
    li.appendChild(el("div", "muted", "方便时间：" + item.preferred_time));
    li.appendChild(el("div", "line2", item.summary || ""));
    var done = el("button", null, "已回电");
    done.type = "button";
    done.addEventListener("click", function (event) {
      event.stopPropagation();
      api("POST", "/agent/api/callbacks/" + encodeURIComponent(item.reference) + "/done").catch(function (e) { notice(e.message); });
    });
    li.appendChild(done);
    return li;
  }

  function renderQueue(queue) {
    lastQueue = queue;
    var lists = [["waiting", queue.waiting || []], ["active", queue.active || []]];
    lists.forEach(function (pair) {
      var list = $(pair[0] + "-list");
      clear(list);
      pair[1].forEach(function (item) { list.appendChild(queueItem(item, pair[0])); });
      $(pair[0] + "-count").textContent = String(pair[1].length);
    });
    var callbacks = $("callback-list");
    clear(callbacks);
    (queue.callbacks || []).forEach(function (item) { callbacks.appendChild(callbackItem(item)); });
    $("callback-count").textContent = String((queue.callbacks || []).length);
    $("agents-online").textContent = "在线客服 " + (queue.agents_online || 0) + " 人";
    if (current && view) {
      var stillWaiting = (queue.waiting || []).some(function (i) { return i.conversation_id === current; });
      var state = view.handoff && view.handoff.state;
      if ((state === "waiting") !== stillWaiting) { open(current); }
    }
  }

  // --- conversation ------------------------------------------------------------------------

  function line(item) {
    var li = el("li", "sender-" + item.sender);
    var who = { user: "客户", bot: "机器人", agent: "客服" + (item.agent ? " " + item.agent : ""), system: "" }[item.sender];
    if (item.sender !== "system") {
      var meta = el("span", "meta", who + " " + clock(item.timestamp));
      var mood = badge(item.emotion);
      if (mood) { meta.appendChild(mood); }
      li.appendChild(meta);
    }
    li.appendChild(document.createTextNode(item.text || ""));
    if (item.buttons && item.buttons.length) {
      li.appendChild(el("span", "meta", "[按钮] " + item.buttons.join(" / ")));
    }
    return li;
  }

  function appendLine(item) {
    var list = $("transcript");
    list.appendChild(line(item));
    list.scrollTop = list.scrollHeight;
    if (item.sender === "user" && item.emotion) {
      var trail = $("emotion-trail");
      if (trail.firstChild && trail.firstChild.classList.contains("muted")) { clear(trail); }
      trail.appendChild(el("li", null, clock(item.timestamp) + " " + (config.emotions[item.emotion] || item.emotion) + "：" + item.text.slice(0, 60)));
    }
  }

  function renderDetails(data) {
    var trail = $("emotion-trail");
    clear(trail);
    if (!data.emotions.length) { trail.appendChild(el("li", "muted", "暂无")); }
    data.emotions.forEach(function (e) {
      trail.appendChild(el("li", null, clock(e.timestamp) + " " + e.label + "：" + e.text));
    });
    var fields = $("fields");
    clear(fields);
    if (!data.fields.length) { fields.appendChild(el("dt", "muted", "暂无")); }
    data.fields.forEach(function (f) {
      fields.appendChild(el("dt", null, f.label));
      fields.appendChild(el("dd", null, f.value));
    });
    var claim = $("claim");
    clear(claim);
    if (data.claim) {
      var c = data.claim;
      [["报案号", c.report_no], ["保单号", c.policy_no], ["类型", c.claim_type], ["阶段", c.stage],
       ["出险时间", c.incident_time], ["出险地点", c.incident_place], ["损失", c.loss],
       ["联系电话", c.contact_phone]].forEach(function (pair) {
        if (pair[1] !== undefined && pair[1] !== null) { claim.appendChild(el("p", null, pair[0] + "：" + pair[1])); }
      });
    } else {
      claim.appendChild(el("p", "muted", data.report_no ? data.report_no + "（查询不到详情）" : "暂无"));
    }
  }

  function renderConversation(data) {
    view = data;
    var handoff = data.handoff || {};
    var state = handoff.state;
    var mine = state === "active" && handoff.agent === me;
    $("conversation-title").textContent = "会话 " + data.conversation_id;
    var meta = [config.channels[handoff.channel] || handoff.channel, config.states[state] || (data.paused ? "机器人已暂停" : "机器人服务中"),
                config.reasons[handoff.reason]];
    if (state === "active") { meta.push("客服：" + (handoff.agent_name || handoff.agent) + (mine ? "（我）" : "")); }
    $("conversation-meta").textContent = meta.filter(Boolean).join(" · ");
    var list = $("transcript");
    clear(list);
    data.lines.forEach(appendLine);
    renderDetails(data);
    $("take-button").hidden = state !== "waiting";
    $("end-button").hidden = !mine;
    $("reply-form").hidden = !mine;
    $("quick-phrases").hidden = !mine;
    if (state === "active" && !mine) { notice("客服 " + (handoff.agent_name || handoff.agent) + " 正在处理这个会话"); }
    document.body.setAttribute("data-conversation-state", state || "none");
    var items = document.querySelectorAll(".items li");
    for (var i = 0; i < items.length; i++) {
      items[i].classList.toggle("selected", items[i].getAttribute("data-conversation-id") === current);
    }
  }

  function open(id) {
    current = id;
    notice("");
    watch();
    return api("GET", path(id)).then(function (data) {
      if (current === id) { renderConversation(data); }
    }).catch(function (e) { notice(e.message); });
  }

  function take() {
    if (!current) { return; }
    $("take-button").disabled = true;
    api("POST", path(current) + "/take").then(renderConversation).catch(function (e) {
      notice(e.message);
      open(current);
    }).then(function () { $("take-button").disabled = false; });
  }

  function end() {
    if (!current || !window.confirm("结束本次人工服务？机器人会接回会话并请客户评分。")) { return; }
    $("end-button").disabled = true;
    api("POST", path(current) + "/end").then(function () { return open(current); }).catch(function (e) {
      notice(e.message);
    }).then(function () { $("end-button").disabled = false; });
  }

  function messageId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  function send(event) {
    if (event) { event.preventDefault(); }
    var box = $("reply-text");
    var text = box.value.trim();
    if (!text || !current) { return; }
    $("send-button").disabled = true;
    api("POST", path(current) + "/messages", { text: text, id: messageId() }).then(function () {
      box.value = "";
      notice("");
    }).catch(function (e) { notice("发送失败：" + e.message); }).then(function () {
      $("send-button").disabled = false;
      box.focus();
    });
  }

  // --- live --------------------------------------------------------------------------------

  function watch() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "watch", conversation_id: current }));
    }
  }

  function setConnection(online) {
    var badgeEl = $("connection");
    badgeEl.textContent = online ? "已连接" : "重新连接中…";
    badgeEl.setAttribute("data-state", online ? "online" : "offline");
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/agent/ws");
    socket.onopen = function () {
      retry = 500;
      setConnection(true);
      watch();
      if (current) { open(current); }   // whatever happened while we were away
    };
    socket.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "queue") { renderQueue(message); }
      else if (message.type === "line" && message.conversation_id === current) { appendLine(message.line); }
      else if (message.type === "handoff" && message.conversation_id === current) { open(current); }
    };
    socket.onclose = function () {
      setConnection(false);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  // --- wiring ------------------------------------------------------------------------------

  config.quickPhrases.forEach(function (phrase) {
    var button = el("button", null, phrase);
    button.type = "button";
    button.title = phrase;
    button.addEventListener("click", function () {
      var box = $("reply-text");
      box.value = box.value ? box.value + phrase : phrase;
      box.focus();
    });
    $("quick-phrases").appendChild(button);
  });
  $("take-button").addEventListener("click", take);
  $("end-button").addEventListener("click", end);
  $("reply-form").addEventListener("submit", send);
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { send(event); }
  });
  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "ping" })); }
    if (lastQueue) { renderQueue(lastQueue); }   // waiting times move on
  }, 30000);
  api("GET", "/agent/api/queue").then(renderQueue).catch(function () {});
  connect();
})();
