(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var menuBar = document.getElementById("menu-bar");

  function clock() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // Render text safely and turn http(s) links into anchors.
  function fill(el, text) {
    var parts = text.split(/(https?:\/\/[^\s，。）)]+)/);
    parts.forEach(function (part, i) {
      if (i % 2 === 1) {
        var a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener";
        el.appendChild(a);
      } else if (part) {
        el.appendChild(document.createTextNode(part));
      }
    });
  }

  function add(who, text) {
    if (who === "system") {
      var note = document.createElement("div");
      note.className = "system"; note.textContent = text;
      chat.appendChild(note);
    } else {
      var row = document.createElement("div");
      row.className = "row " + who;
      var avatar = document.createElement("div");
      avatar.className = "avatar"; avatar.textContent = who === "me" ? "我" : "警";
      var bubble = document.createElement("div");
      bubble.className = "bubble"; fill(bubble, text);
      row.appendChild(avatar); row.appendChild(bubble);
      chat.appendChild(row);
    }
    chat.scrollTop = chat.scrollHeight;
    return chat.lastChild;
  }

  function stamp() {
    var t = document.createElement("div");
    t.className = "time"; t.textContent = clock();
    chat.appendChild(t);
  }

  function send(payload, shown) {
    if (shown) add("me", shown);
    var typing = add("bot", "对方正在输入…");
    typing.classList.add("typing");
    return fetch(document.body.dataset.send, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      typing.remove();
      if (!res.ok) { add("system", res.data.error || "发送失败"); return; }
      res.data.replies.forEach(function (reply) {
        add(reply.type === "text" ? "bot" : "system", reply.content);
      });
    }).catch(function () {
      typing.remove();
      add("system", "网络异常，消息未送达");
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ type: "text", content: text }, text);
  });

  function closeMenus() {
    document.querySelectorAll(".submenu").forEach(function (m) { m.hidden = true; });
  }

  document.querySelectorAll(".menu-item").forEach(function (item) {
    var top = item.querySelector(".menu-top");
    var sub = item.querySelector(".submenu");
    top.addEventListener("click", function () {
      if (sub) { var open = sub.hidden; closeMenus(); sub.hidden = !open; return; }
      press(top);
    });
    if (sub) sub.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () { closeMenus(); press(b); });
    });
  });

  function press(button) {
    if (button.dataset.url) { window.open(button.dataset.url, "_blank"); return; }
    if (button.dataset.key) send({ type: "click", key: button.dataset.key }, null);
  }

  var toKeyboard = document.getElementById("to-keyboard");
  var toMenu = document.getElementById("to-menu");
  if (toKeyboard) toKeyboard.addEventListener("click", function () { closeMenus(); menuBar.hidden = true; form.hidden = false; input.focus(); });
  if (toMenu) toMenu.addEventListener("click", function () { form.hidden = true; menuBar.hidden = false; });

  // Articles the account mass-sends arrive as cards, like in WeChat.
  function pushCard(card) {
    var box = document.createElement("div");
    box.className = "push-card"; box.dataset.id = card.id;
    var t = document.createElement("div");
    t.className = "push-time"; t.textContent = card.at;
    box.appendChild(t);
    card.articles.forEach(function (a, i) {
      var link = document.createElement("a");
      link.className = "push-article" + (i === 0 ? " lead" : "");
      link.href = a.href; link.target = "_blank"; link.rel = "noopener"; link.textContent = a.title;
      box.appendChild(link);
    });
    chat.appendChild(box);
    chat.scrollTop = chat.scrollHeight;
  }

  function pollPushes() {
    fetch(chat.dataset.pushes, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        data.cards.forEach(function (card) {
          if (!chat.querySelector('.push-card[data-id="' + card.id + '"]')) pushCard(card);
        });
      }).catch(function () {});
  }
  setInterval(pollPushes, 5000);
  // Staff replies arrive later, as WeChat's customer-service messages: ask the
  // simulated WeChat every few seconds what it delivered to this visitor.
  var delivered = null;
  function poll() {
    var url = document.body.dataset.inbox + (delivered === null ? "" : "?after=" + delivered);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (typeof data.total !== "number") return;
      data.messages.forEach(function (m) { stamp(); add("bot", m.content); });
      delivered = data.total;
    }).catch(function () {}).then(function () { setTimeout(poll, 2000); });
  }
  if (document.body.dataset.inbox) poll();

  stamp();
  add("system", "你已关注「" + document.querySelector(".bar h1").textContent + "」");
  send({ type: "subscribe" }, null);
})();
