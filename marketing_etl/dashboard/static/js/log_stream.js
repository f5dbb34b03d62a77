/**
 * A job's live log: GET /api/dashboard/jobs/{id}/log/stream (server-sent events).
 *
 * `log` events carry one line each (id = the line's seq), `job` events the job's status and
 * progress, `end` says the job finished and the log is drained. The server closes each
 * response after a few seconds; EventSource reconnects by itself and sends the last seq as
 * Last-Event-ID, so no line is lost or repeated. Lines are shown as text, never as HTML.
 */

import { API, jobPath } from "./api.js";
import { byId, fill, h } from "./dom.js";

export class LogStream {
  constructor(jobId, { onJob = () => {}, onEnd = () => {} } = {}) {
    this.jobId = jobId;
    this.onJob = onJob;
    this.onEnd = onEnd;
    this.lastSeq = 0;
    this.source = null;
    this.box = byId("job-log");
    this.stateLabel = byId("log-state");
    fill(this.box);
  }

  /** (Re)connect after the last line shown; a no-op while connected. */
  open() {
    if (this.source) return;
    const url = `${API}${jobPath(this.jobId, "/log/stream")}?after=${this.lastSeq}`;
    const source = new EventSource(url);
    this.source = source;
    fill(this.stateLabel, "(live)");
    source.addEventListener("log", (event) => this.addLine(JSON.parse(event.data)));
    source.addEventListener("job", (event) => this.onJob(JSON.parse(event.data)));
    source.addEventListener("end", (event) => {
      this.close();
      fill(this.stateLabel, "(complete)");
      this.onEnd(JSON.parse(event.data));
    });
    source.addEventListener("error", () => {
      // EventSource retries on its own; only a closed source (e.g. 401/404) is final.
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        fill(this.stateLabel, "(disconnected; refresh to retry)");
      }
    });
  }

  close() {
    if (this.source) this.source.close();
    this.source = null;
  }

  addLine(line) {
    if (line.seq <= this.lastSeq) return;
    this.lastSeq = line.seq;
    const box = this.box;
    // Follow the tail only if the user has not scrolled up to read something.
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    box.append(
      h(
        "div",
        { class: `line ${line.level}`, dataset: { seq: line.seq } },
        h("span", { class: "ts" }, `${line.ts} `),
        h("span", { class: "lvl" }, line.level),
        h("span", { class: "att" }, `[attempt ${line.attempt}] `),
        h("span", { class: "msg" }, line.message),
      ),
    );
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}
