// The live feed (GET /api/v1/live, Server-Sent Events). EventSource cannot send the token
// header, so the stream is read with fetch; it reconnects with a growing delay and starts
// again from the latest positions, as the server sends them first on every connect.
import { api } from './common.js';

/**
 * Calls onPosition({officer, lat, lon, time, h3}) for each position event until stop(),
 * and onAlert(alert) for each alert event (raised, acknowledged or resolved).
 * onState('open'|'closed') reports the connection.
 */
export function liveFeed(onPosition, { township = '', onState = () => {}, onAlert = () => {} } = {}) {
  let stopped = false;
  let ctrl = null;
  let delay = 1000;
  const path = `/api/v1/live${township ? `?township=${encodeURIComponent(township)}` : ''}`;

  const dispatch = (block) => {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue; // keep-alive comment
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    const handler = { position: onPosition, alert: onAlert }[event];
    if (handler && data.length) {
      let value;
      try {
        value = JSON.parse(data.join('\n'));
      } catch {
        return; // a malformed event is skipped; the next one is whole again
      }
      handler(value);
    }
  };

  (async () => {
    while (!stopped) {
      ctrl = new AbortController();
      try {
        const res = await api(path, { raw: true, signal: ctrl.signal });
        onState('open');
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, '\n');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            dispatch(buf.slice(0, i));
            buf = buf.slice(i + 2);
          }
        }
      } catch (err) {
        if (stopped) return;
        if (err?.status === 401 || err?.status === 403) {
          onState('closed');
          return; // the token cannot read the feed: retrying will not help
        }
      }
      onState('closed');
      if (stopped) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  })();

  return {
    stop() {
      stopped = true;
      ctrl?.abort();
    },
  };
}
