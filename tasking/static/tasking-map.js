// The case map (/cases/map): Leaflet, served by the app (tasking/static/leaflet, loaded before this
// module as a classic script that defines window.L), draws the cases passed as JSON in
// #case-map-data. The list under the map holds the same cases for those who do not use the map.

const container = document.getElementById('case-map')
const source = document.getElementById('case-map-data')
const L = window.L

// Walsall's centre: where the map opens when no case has a location.
const WALSALL = [52.586, -1.982]

function popup (point) {
  // Built from elements, never from HTML strings: titles are typed by people.
  const box = document.createElement('div')
  const link = document.createElement('a')
  link.className = 'govuk-link'
  link.href = point.url
  link.textContent = point.reference
  const title = document.createElement('p')
  title.className = 'govuk-body-s tasking-map-popup__title'
  title.textContent = point.title
  box.append(link, title)
  return box
}

if (container && source && L) {
  const data = JSON.parse(source.textContent)
  const map = L.map(container, { scrollWheelZoom: false })
  L.tileLayer(data.tiles, { attribution: data.attribution, maxZoom: 19 }).addTo(map)
  const markers = data.points.map((point) =>
    L.marker([point.lat, point.lng], { alt: `${point.reference}: ${point.title}`, title: point.reference })
      .bindPopup(() => popup(point))
      .addTo(map)
  )
  if (markers.length) {
    map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [24, 24], maxZoom: 16 })
  } else {
    map.setView(WALSALL, 12)
  }
  container.dataset.ready = 'true'
}
