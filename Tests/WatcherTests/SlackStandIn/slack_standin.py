#!/usr/bin/env python3
"""A stand-in for Slack's Web API, for the Watcher's tests. Standard library only; listens on 127.0.0.1.

Usage: slack_standin.py STATE_DIR
  STATE_DIR/port         written at start: the port it listens on
  STATE_DIR/requests.jsonl  one JSON object per request received (method, auth, content type, arguments)
  STATE_DIR/upload_FID    the bytes of each accepted upload, by file ID
  STATE_DIR/faults.json  read at every request (optional): {"rules": [{"method": "chat.postMessage" or "*",
                         "status": 500 | 429, "retry_after": 1, "malformed": true, "hang": 30, "delay": 2, "times": 2}]}
                         hang: no answer for that long (then an error); delay: a slow but normal answer
                         a rule with "times" applies that many times, then no more.

Implements, as Slack documents them: auth.test, conversations.open, chat.postMessage (with message metadata),
conversations.history (include_all_metadata, oldest, cursor), conversations.replies, files.getUploadURLExternal,
the upload URL (POST of the bytes, length checked), files.completeUploadExternal (files [{id,title}],
channel_id, thread_ts). Auth: "Authorization: Bearer TOKEN" (or a token form field); missing → not_authed,
wrong → invalid_auth. Bodies: application/x-www-form-urlencoded or application/json (charset allowed).
"""
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = os.environ.get("STANDIN_TOKEN", "xoxb-standin-0000-secret")
USERS = {"U0123ABCD": "D0123ABCD", "U0TEST0001": "D0TEST0001"}
CHANNEL_RE = re.compile(r"^[CGDZ][A-Z0-9]{6,}$")
JSON_METHODS = {"chat.postMessage", "files.completeUploadExternal", "auth.test", "conversations.open"}

lock = threading.RLock()
state = {"ts": 0, "messages": {}, "uploads": {}, "file_n": 0, "rule_uses": {}}


def next_ts():
    """Slack's message ts: the posting time in seconds with microseconds, unique within the channel."""
    micros = max(int(time.time() * 1e6), state["ts"] + 1)
    state["ts"] = micros
    return "%d.%06d" % (micros // 1000000, micros % 1000000)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8" if raw is None else "text/plain")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, entry):
        with lock:
            with open(os.path.join(STATE_DIR, "requests.jsonl"), "a") as f:
                f.write(json.dumps(entry) + "\n")

    def fault(self, method):
        path = os.path.join(STATE_DIR, "faults.json")
        try:
            with open(path) as f:
                rules = json.load(f).get("rules", [])
        except (OSError, ValueError):
            return None
        for i, r in enumerate(rules):
            if r.get("method", "*") not in ("*", method):
                continue
            with lock:
                key = json.dumps(r, sort_keys=True) + str(i)
                used = state["rule_uses"].get(key, 0)
                if "times" in r and used >= r["times"]:
                    continue
                state["rule_uses"][key] = used + 1
            return r
        return None

    def do_GET(self):
        self.reply(405, {"ok": False, "error": "method_not_allowed"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/upload/"):
            return self.upload(path[len("/upload/"):], body)
        if not path.startswith("/api/"):
            return self.reply(404, {"ok": False, "error": "unknown_path"})
        method = path[len("/api/"):]
        ctype = self.headers.get("Content-Type", "")
        args = {}
        kind = ctype.split(";")[0].strip().lower()
        charset_ok = True
        if kind == "application/json":
            try:
                args = json.loads(body.decode("utf-8")) if body else {}
            except ValueError:
                return self.reply(200, {"ok": False, "error": "invalid_json"})
            if method not in JSON_METHODS:
                # Slack reads JSON bodies only for methods that accept them; others see no arguments.
                args = {}
        elif kind == "application/x-www-form-urlencoded":
            args = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        elif body:
            charset_ok = False
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else args.pop("token", None)
        auth_state = "missing" if not token else ("ok" if token == TOKEN else "bad")
        entry = {"method": method, "auth": auth_state, "content_type": ctype, "args": args, "time": time.time()}
        rule = self.fault(method)
        if rule and rule.get("delay"):
            time.sleep(rule["delay"])  # slow, then answered normally
            rule = None
        if rule:
            entry["fault"] = rule
            self.record(entry)
            if rule.get("hang"):
                time.sleep(rule["hang"])
                return self.reply(200, {"ok": False, "error": "hung"})
            if rule.get("malformed"):
                return self.reply(200, None, raw=b"<html>upstream error</html>")
            if rule.get("status") == 429:
                return self.reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(rule.get("retry_after", 1))})
            return self.reply(rule.get("status", 500), {"ok": False, "error": "internal_error"})
        if not charset_ok:
            entry["error"] = "invalid_form_data"
            self.record(entry)
            return self.reply(200, {"ok": False, "error": "invalid_form_data"})
        if auth_state != "ok":
            entry["error"] = "not_authed" if auth_state == "missing" else "invalid_auth"
            self.record(entry)
            return self.reply(200, {"ok": False, "error": entry["error"]})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            entry["error"] = "unknown_method"
            self.record(entry)
            return self.reply(200, {"ok": False, "error": "unknown_method"})
        with lock:
            result = handler(args)
        entry["result"] = result
        self.record(entry)
        self.reply(200, result)

    # --- methods -------------------------------------------------------------------------------------------

    def m_auth_test(self, a):
        return {"ok": True, "url": "https://standin.slack.com/", "team": "Stand-in Lab", "user": "emwatch-bot",
                "team_id": "T0STANDIN", "user_id": "U0BOT0001", "bot_id": "B0BOT0001"}

    def m_conversations_open(self, a):
        users = a.get("users", "")
        if not users:
            return {"ok": False, "error": "invalid_arguments"}
        if users not in USERS:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "channel": {"id": USERS[users]}}

    def channel(self, cid):
        if not isinstance(cid, str) or not CHANNEL_RE.match(cid):
            return None, {"ok": False, "error": "invalid_arguments" if cid else "channel_not_found"}
        if cid not in USERS.values():
            return None, {"ok": False, "error": "channel_not_found"}
        return state["messages"].setdefault(cid, []), None

    def m_chat_postMessage(self, a):
        msgs, err = self.channel(a.get("channel"))
        if err:
            return err
        text, blocks = a.get("text"), a.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if text and len(text) > 40000:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50
                                   or any(not isinstance(b, dict) or "type" not in b for b in blocks)):
            return {"ok": False, "error": "invalid_blocks"}
        md = a.get("metadata")
        if isinstance(md, str):
            md = json.loads(md)
        msg = {"type": "message", "ts": next_ts(), "text": text or "", "blocks": blocks or []}
        if md:
            msg["metadata"] = md
        if a.get("thread_ts"):
            msg["thread_ts"] = a["thread_ts"]
        msgs.append(msg)
        return {"ok": True, "channel": a["channel"], "ts": msg["ts"], "message": msg}

    def m_conversations_history(self, a):
        msgs, err = self.channel(a.get("channel"))
        if err:
            return err
        oldest = float(a.get("oldest", "0") or 0)
        with_md = a.get("include_all_metadata") in ("true", "1", True)
        top = [m for m in msgs if "thread_ts" not in m and float(m["ts"]) >= oldest]
        top.reverse()  # newest first, as Slack answers
        limit = int(a.get("limit", "100"))
        start = int(a.get("cursor") or 0)
        page = top[start:start + limit]
        out = []
        for m in page:
            m2 = {k: v for k, v in m.items() if k != "metadata" or with_md}
            out.append(m2)
        more = start + limit < len(top)
        return {"ok": True, "messages": out, "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def m_conversations_replies(self, a):
        msgs, err = self.channel(a.get("channel"))
        if err:
            return err
        ts = a.get("ts")
        parent = [m for m in msgs if m["ts"] == ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": parent + [m for m in msgs if m.get("thread_ts") == ts], "has_more": False}

    def m_files_getUploadURLExternal(self, a):
        name, length = a.get("filename"), a.get("length")
        if not name or not length or not str(length).isdigit() or int(length) <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        state["file_n"] += 1
        fid = "F%08d" % state["file_n"]
        state["uploads"][fid] = {"filename": name, "length": int(length), "received": None, "completed": False}
        port = self.server.server_address[1]
        return {"ok": True, "upload_url": "http://127.0.0.1:%d/upload/%s" % (port, fid), "file_id": fid}

    def upload(self, fid, body):
        with lock:
            up = state["uploads"].get(fid)
            entry = {"method": "upload", "file_id": fid, "bytes": len(body), "time": time.time()}
            rule = self.fault("upload")
            if rule:
                entry["fault"] = rule
                self.record(entry)
                return self.reply(rule.get("status", 500), None, raw=b"error")
            if up is None or up["received"] is not None:
                entry["error"] = "unknown or used upload URL"
                self.record(entry)
                return self.reply(404, None, raw=b"not found")
            if len(body) != up["length"]:
                entry["error"] = "length mismatch"
                self.record(entry)
                return self.reply(400, None, raw=b"length mismatch")
            up["received"] = len(body)
            with open(os.path.join(STATE_DIR, "upload_" + fid), "wb") as f:
                f.write(body)
            self.record(entry)
        self.reply(200, None, raw=("OK - %d" % len(body)).encode())

    def m_files_completeUploadExternal(self, a):
        files = a.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(files, list) or not files or any("id" not in f for f in files):
            return {"ok": False, "error": "invalid_arguments"}
        cid = a.get("channel_id")
        msgs = None
        if cid is not None:
            msgs, err = self.channel(cid)
            if err:
                return err
        done = []
        for f in files:
            up = state["uploads"].get(f["id"])
            if up is None or up["received"] is None:
                return {"ok": False, "error": "file_not_found" if up is None else "file_upload_incomplete"}
            if up["completed"]:
                return {"ok": False, "error": "file_already_completed"}
        for f in files:
            up = state["uploads"][f["id"]]
            up["completed"] = True
            info = {"id": f["id"], "name": up["filename"], "title": f.get("title", up["filename"]), "size": up["length"]}
            done.append(info)
            if msgs is not None:
                msg = {"type": "message", "ts": next_ts(), "text": "", "files": [info]}
                if a.get("thread_ts"):
                    msg["thread_ts"] = a["thread_ts"]
                msgs.append(msg)
        return {"ok": True, "files": done}


if __name__ == "__main__":
    # A test runner may start us with signals blocked; make SIGTERM work again.
    import signal
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    STATE_DIR = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = os.path.join(STATE_DIR, "port.tmp")
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, os.path.join(STATE_DIR, "port"))
    server.serve_forever()
