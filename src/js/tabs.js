// Coordination of the tabs (and workers) of one origin that open the same
// IndexedDB-backed Conifer database. Each tab keeps its own engine in
// memory; IndexedDB is the shared truth. The protocol:
//
// - One writer at a time: every write runs while this tab holds the Web Lock
//   named after the database. A tab holds it for a *burst*: writes arriving
//   within BURST_MS of the grant join the burst (so concurrent writes still
//   share IndexedDB transactions); later ones wait for the next grant, so a
//   busy tab cannot starve the others (Web Locks grant in request order).
// - Catch-up before writing: on each grant the engine reads IndexedDB's
//   change log (one entry per write transaction, written in it) past the
//   last entry it saw and unloads exactly the namespaces other tabs changed
//   (`Engine.syncTabs`). Segment numbers are then allocated from fresh
//   manifests, so two tabs never write the same segment key.
// - Notices: after a burst, the tab posts on a BroadcastChannel; the others
//   catch up the same way, so their reads see the new data shortly after.
//   A lost notice only delays that: the log, not the message, carries what
//   changed.
//
// Without Web Locks (very old browsers) writes run unlocked: safe with one
// tab, and the change log still keeps other tabs' reads fresh.

const BURST_MS = 50;

export class Tabs {
  constructor(engine, name) {
    this._engine = engine;
    this._name = name;
    this._locks = globalThis.navigator?.locks ?? null;
    this._open = null; // the burst currently admitting writes
    this._inflight = 0; // writes of this tab not yet settled
    this._noticed = false; // a notice arrived while writes were in flight
    this._sync = Promise.resolve();
    this._channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    if (this._channel) {
      this._channel.onmessage = () => {
        // Catch up between our writes only: the engine's in-memory
        // manifests run ahead of storage while our writes are in flight.
        if (this._inflight > 0) this._noticed = true;
        else this.catchUp().catch(() => {});
      };
    }
  }

  /** Reads the change log and unloads what other tabs changed (serialised). */
  catchUp() {
    const run = this._sync.then(() => this._engine.syncTabs());
    this._sync = run.catch(() => {});
    return run;
  }

  /** Runs `fn` (a write) as the one writer of the database. */
  async write(fn) {
    this._inflight++;
    try {
      return await this._write(fn);
    } finally {
      if (--this._inflight === 0 && this._noticed) {
        this._noticed = false;
        this.catchUp().catch(() => {});
      }
    }
  }

  async _write(fn) {
    if (!this._locks) {
      try {
        return await fn();
      } finally {
        this._notify();
      }
    }
    const b = this._open && this._open.admitting ? this._open : this._newBurst();
    b.count++;
    try {
      await b.ready;
      return await fn();
    } finally {
      b.count--;
      if (b.count === 0 && b.release) this._end(b);
    }
  }

  _newBurst() {
    const b = { count: 0, admitting: true, release: null };
    b.ready = new Promise((resolve, reject) => {
      this._locks
        .request(this._name, async () => {
          setTimeout(() => this._close(b), BURST_MS);
          try {
            await this.catchUp();
            resolve();
          } catch (e) {
            reject(e);
          }
          return new Promise((r) => {
            b.release = r;
            if (b.count === 0) this._end(b);
          });
        })
        .catch(reject);
    });
    b.ready.catch(() => {});
    this._open = b;
    return b;
  }

  _close(b) {
    b.admitting = false;
    if (this._open === b) this._open = null;
  }

  _end(b) {
    this._close(b);
    const r = b.release;
    b.release = null;
    if (r) {
      r();
      this._notify();
    }
  }

  _notify() {
    try {
      this._channel?.postMessage('changed');
    } catch {
      // A closed channel: nothing to tell.
    }
  }

  close() {
    this._channel?.close();
    this._channel = null;
  }
}
