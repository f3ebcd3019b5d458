/* Live preview of the WeChat article while a notice is being written.
   Sends the text to /console/preview (sanitised server-side) and shows the
   rendered article plus the privacy findings. No libraries. */
(function () {
  "use strict";
  var form = document.getElementById("notice-form");
  if (!form) return;
  var url = form.getAttribute("data-preview");
  var token = form.querySelector("input[name=csrf_token]").value;
  var field = function (name) { return form.elements[name]; };
  var timer = null;
  var sequence = 0;

  function counters() {
    var spans = document.querySelectorAll(".counter");
    for (var i = 0; i < spans.length; i++) {
      var span = spans[i];
      var input = document.getElementById(span.getAttribute("data-for"));
      var max = parseInt(span.getAttribute("data-max"), 10);
      var length = input.value.replace(/\s+/g, " ").trim().length;
      span.textContent = length + "/" + max;
      span.className = "counter" + (length > max ? " over" : "");
    }
  }

  function showFindings(findings) {
    var box = document.getElementById("findings");
    var list = box.querySelector("ul");
    list.textContent = "";
    if (!findings.length) { box.hidden = true; return; }
    box.hidden = false;
    box.querySelector("h3").textContent = "隐私与保密检查：发现 " + findings.length + " 处问题";
    findings.forEach(function (f) {
      var item = document.createElement("li");
      if (f.blocking) item.className = "blocking";
      var head = document.createElement("strong");
      head.textContent = f.where + " · " + f.label + " ";
      var text = document.createElement("code");
      text.textContent = f.text;
      var note = document.createElement("span");
      note.className = "muted";
      note.textContent = " → " + f.mask + "　" + f.message;
      item.appendChild(head); item.appendChild(text); item.appendChild(note);
      list.appendChild(item);
    });
  }

  function refresh() {
    counters();
    var mine = ++sequence;
    var payload = {
      title: field("title").value, digest: field("digest").value, body: field("body").value,
      private_names: field("private_names").value, author: field("author").value
    };
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (response.status === 400) {
        return response.json().then(function (data) { return { refused: data.error || "预览请求无效。" }; });
      }
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      if (mine !== sequence) return; // a newer request is on its way
      if (data.refused) { // e.g. the body is too long or nested too deeply
        document.getElementById("pv-digest").textContent = data.refused;
        document.getElementById("pv-body").textContent = "";
        return;
      }
      document.getElementById("pv-title").textContent = payload.title || "（标题）";
      var author = payload.author || field("author").getAttribute("placeholder") || "";
      var category = field("category").options[field("category").selectedIndex].text;
      document.getElementById("pv-meta").textContent = (field("original").checked ? "原创 · " : "") + author + " · " + category;
      document.getElementById("pv-digest").textContent = data.digest;
      document.getElementById("pv-body").innerHTML = data.html; // sanitised by the server (nh3 allow-list)
      showFindings(data.findings);
      form.setAttribute("data-previewed", String(mine));
    }).catch(function () {
      document.getElementById("pv-digest").textContent = "预览暂时不可用（请检查网络或重新登录）。";
    });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 50);
  });
  refresh();
})();
