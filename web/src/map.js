// The map: MapLibre GL on the server's style (/tiles/style.json) with the token on every
// tile request, sized for the room it is shown in.
import maplibregl from 'maplibre-gl';
import { api, token, townships } from './common.js';


/**
 * How much larger than at 1920 px lines, points and type are drawn: a 3840 px wall at a
 * device pixel ratio of 1 gets everything twice as large, so it reads from as far away.
 */
export function uiScale() {
  return Math.min(3, Math.max(1, window.innerWidth / 1920));
}

// Township and area labels are Chinese: the browser draws them with its own CJK fonts,
// so no glyph server is needed (the handler answers /glyphs with empty sets).
const CJK_FONTS = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/**
 * The server's style, adjusted for this page: tile URLs on this page's origin (the style
 * names the host the request came to, which a proxy may change), glyphs from the page's
 * server, sizes scaled by uiScale.
 */
export async function mapStyle() {
  const style = await api('/tiles/style.json');
  const s = uiScale();
  for (const src of Object.values(style.sources)) {
    if (Array.isArray(src.tiles)) {
      src.tiles = src.tiles.map((u) => u.replace(/^https?:\/\/[^/]+\/tiles\//, `${location.origin}/tiles/`));
    }
  }
  style.glyphs = `${location.origin}/glyphs/{fontstack}/{range}.pbf`;
  for (const layer of style.layers) {
    const p = layer.paint || {};
    if (typeof p['line-width'] === 'number') p['line-width'] *= s;
    if (layer.type === 'circle') {
      p['circle-radius'] = ['interpolate', ['linear'], ['coalesce', ['get', 'count'], 1], 1, 5 * s, 50, 18 * s];
      p['circle-stroke-width'] = 1 * s;
    }
    if (layer.type === 'symbol') {
      layer.layout = { ...layer.layout, 'text-size': 24 * s, 'text-allow-overlap': false };
      layer.paint = { ...p, 'text-halo-color': '#0b1220', 'text-halo-width': 2 * s };
    }
  }
  return style;
}

/** A map on the style, with the token added to this server's tile requests. */
export function newMap(container, style, options = {}) {
  const map = new maplibregl.Map({
    container,
    style,
    attributionControl: false,
    localIdeographFontFamily: CJK_FONTS,
    maxZoom: 17,
    transformRequest: (url) => (url.startsWith(`${location.origin}/tiles/`)
      ? { url, headers: { Authorization: `Bearer ${token()}` } }
      : { url }),
    ...options,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'bottom-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  return map;
}

/**
 * Resolves when the map's style has loaded, so that layers can be added: 'style.load', not
 * 'load', which waits for the first complete render, tiles included.
 */
export function loaded(map) {
  return new Promise((resolve) => {
    if (map.isStyleLoaded()) resolve(map);
    else map.once('style.load', () => resolve(map));
  });
}

/** Resolves when the map has drawn everything it asked for (tiles included). */
export function idle(map) {
  return new Promise((resolve) => {
    if (map.loaded() && map.areTilesLoaded()) resolve(map);
    else map.once('idle', () => resolve(map));
  });
}

/** Adds a GeoJSON source (or replaces its data when it exists). */
export function setGeoJSON(map, id, data) {
  const src = map.getSource(id);
  if (src) src.setData(data);
  else map.addSource(id, { type: 'geojson', data });
}

export const emptyFC = () => ({ type: 'FeatureCollection', features: [] });

/** Fits the map to the [lon, lat] points given, with padding. */
export function fitPoints(map, points, padding = 60) {
  if (!points.length) return;
  const b = new maplibregl.LngLatBounds(points[0], points[0]);
  for (const p of points) b.extend(p);
  map.fitBounds(b, { padding: padding * uiScale(), maxZoom: 15, duration: 0 });
}

/** The townships' GeoJSON features (null for one that failed). */
export function townshipShapes(towns) {
  return Promise.all(towns.map((t) => api(`/api/v1/townships/${encodeURIComponent(t.code)}`).catch(() => null)));
}

/**
 * Labels each township once, at the centre of its largest polygon (the style's label layer,
 * placed per tile, repeats names at tile edges).
 */
export async function labelTownships(map, towns, size = 20, shapes = null) {
  const s = uiScale();
  if (map.getLayer('townships-label')) map.setLayoutProperty('townships-label', 'visibility', 'none');
  if (!map.getSource('township-labels')) {
    map.addSource('township-labels', { type: 'geojson', data: emptyFC() });
    map.addLayer({ id: 'township-labels', type: 'symbol', source: 'township-labels',
      layout: { 'text-field': ['get', 'name'], 'text-size': size * s, 'text-allow-overlap': true, 'text-font': ['Noto Sans Regular'] },
      paint: { 'text-color': '#f8fafc', 'text-halo-color': '#0b1220', 'text-halo-width': 2.5 * s } },
    map.getLayer('live-trails') ? 'live-trails' : undefined);
  }
  const features = await (shapes || townshipShapes(towns));
  const labels = [];
  for (const f of features) {
    if (!f?.geometry) continue;
    const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    let best = null;
    for (const poly of polys) {
      const c = ringCentroid(poly[0]);
      if (c && (!best || c.area > best.area)) best = c;
    }
    if (best) labels.push({ type: 'Feature', properties: { name: f.properties.name, code: f.properties.code }, geometry: { type: 'Point', coordinates: best.at } });
  }
  setGeoJSON(map, 'township-labels', { type: 'FeatureCollection', features: labels });
}

/** The area-weighted centroid of a ring (planar, fine at a township's size), and its area. */
function ringCentroid(ring) {
  let a = 0;
  let x = 0;
  let y = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const cross = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += cross;
    x += (ring[j][0] + ring[i][0]) * cross;
    y += (ring[j][1] + ring[i][1]) * cross;
  }
  if (a === 0) return null;
  return { area: Math.abs(a / 2), at: [x / (3 * a), y / (3 * a)] };
}

// sideMap is the small city map of the dispatch and planner pages: the style without
// tracks, township names, exposed as window.gridwatch.map for the browser tests.
export async function sideMap(container) {
  const map = newMap(container, await mapStyle(), { center: [120.28, 31.84], zoom: 10 });
  window.gridwatch = { map };
  await loaded(map);
  map.setLayoutProperty('tracks-line', 'visibility', 'none');
  labelTownships(map, await townships());
  return map;
}

export { maplibregl };
