// The Wharf console: renders the broker's cluster snapshots, pushed by /api/events (server-sent
// events), into the page. Plain DOM, no framework: the broker serves this file from its jar.
'use strict';

const previousLeaders = new Map();   // "topic/partition" -> leader, to flash the rows that changed
let latest = null;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined) continue;
    if (name === 'class') node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child === null || child === undefined ? '' : String(child)));
  }
  return node;
}

function fill(id, rows, emptyText, columns) {
  const body = document.getElementById(id);
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', {class: 'empty', colspan: columns}, emptyText))]));
}

function ms(value) {
  if (value === null || value === undefined || value < 0) return '–';
  return value < 1000 ? value + ' ms' : (value / 1000).toFixed(value < 10000 ? 2 : 1) + ' s';
}

function bytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value, unit = 0;
  while (size >= 1024 && unit < units.length - 1) { size /= 1024; unit++; }
  return (unit === 0 ? size : size.toFixed(1)) + ' ' + units[unit];
}

function rate(value) {
  return value === null || value === undefined ? '–' : value.toFixed(value < 10 ? 1 : 0) + '/s';
}

function clock(epochMs) {
  return new Date(epochMs).toLocaleTimeString([], {hour12: false}) + '.' + String(epochMs % 1000).padStart(3, '0');
}

function renderControllers(controllers) {
  const note = controllers.error ? 'last poll failed: ' + controllers.error
      : controllers.polledAgoMs >= 0 ? 'asked ' + ms(controllers.polledAgoMs) + ' ago' : '';
  document.getElementById('controllers-note').textContent = note;
  fill('controllers', controllers.nodes.map(c => el('tr', {'data-controller': c.id, 'data-role': c.role},
      el('td', {}, c.id), el('td', {}, c.address), el('td', {class: 'role role-' + c.role}, c.role),
      el('td', {}, c.term), el('td', {}, c.appliedIndex < 0 ? '–' : c.appliedIndex),
      el('td', {}, c.lag < 0 ? '–' : c.lag))), 'no answer from the controllers yet', 6);
}

function renderBrokers(snapshot) {
  fill('brokers', snapshot.brokers.map(b => el('tr', {'data-broker': b.id, 'data-state': b.state,
        class: b.id === snapshot.brokerId ? 'here' : null, title: b.id === snapshot.brokerId ? 'this page comes from this broker' : null},
      el('td', {}, b.id), el('td', {}, b.endpoint),
      el('td', {}, b.rack || '–'), el('td', {class: 'state state-' + b.state.replace(' ', '-')}, b.state),
      el('td', {}, b.epoch), el('td', {}, ms(b.heartbeatAgeMs)), el('td', {}, b.leaderships))),
      'no broker registered', 7);
}

function renderTimeline(failovers) {
  const items = failovers.slice().reverse().map(f => el('li', {
        'data-topic': f.topic, 'data-partition': f.partition, 'data-previous-leader': f.previousLeader,
        'data-new-leader': f.newLeader, 'data-duration-ms': f.durationMs},
      el('span', {class: 'when'}, clock(f.electedAtMs)),
      el('span', {}, f.topic + '-' + f.partition + ': broker ' + (f.previousLeader < 0 ? 'none' : f.previousLeader)
          + ' → ' + f.newLeader + ' (epoch ' + f.leaderEpoch + ') ',
          el('span', {class: 'cause'}, f.cause.toLowerCase().replaceAll('_', ' '))),
      el('span', {class: 'duration'}, ms(f.durationMs))));
  const list = document.getElementById('timeline');
  list.replaceChildren(...(items.length ? items : [el('li', {class: 'empty'}, 'no leadership change yet')]));
}

function renderTopics(snapshot) {
  const showInternal = document.getElementById('show-internal').checked;
  const blocks = snapshot.topics.filter(t => showInternal || !t.internal).map(topic => {
    const rows = topic.partitions.map(p => {
      const key = topic.name + '/' + p.partition;
      const changed = previousLeaders.has(key) && previousLeaders.get(key) !== p.leader;
      previousLeaders.set(key, p.leader);
      const outOfSync = p.replicas.filter(r => !p.isr.includes(r));
      return el('tr', {'data-topic': topic.name, 'data-partition': p.partition, 'data-leader': p.leader,
            class: changed ? 'changed' : null},
          el('td', {}, p.partition),
          el('td', {class: p.leader < 0 ? 'leaderless' : null}, p.leader < 0 ? 'none' : p.leader),
          el('td', {}, p.replicas.join(', ')),
          el('td', {}, p.isr.join(', '), outOfSync.length ? el('span', {class: 'out-of-sync'}, '  (out: ' + outOfSync.join(', ') + ')') : ''),
          el('td', {}, p.leaderEpoch), el('td', {}, p.logEndOffset ?? '–'), el('td', {}, bytes(p.sizeBytes)),
          el('td', {}, rate(p.recordsPerSecond)));
    });
    const title = el('h3', {}, topic.name + ' ', el('small', {}, topic.partitions.length + ' partitions'));
    if (snapshot.adminEnabled && !topic.internal) {
      const remove = el('button', {class: 'delete', type: 'button'}, 'delete');
      remove.addEventListener('click', () => deleteTopic(topic.name));
      title.append(' ', remove);
    }
    return el('div', {'data-topic-block': topic.name}, title, el('table', {},
        el('thead', {}, el('tr', {}, ...['partition', 'leader', 'replicas', 'ISR', 'leader epoch', 'log end', 'size here', 'rate']
            .map(h => el('th', {}, h)))),
        el('tbody', {}, ...rows)));
  });
  document.getElementById('topics').replaceChildren(...(blocks.length ? blocks : [el('p', {class: 'empty'}, 'no topic yet')]));
  document.getElementById('create-topic').hidden = !snapshot.adminEnabled;
}

function renderQueues(queues) {
  fill('queues', queues.map(q => el('tr', {'data-queue': q.name}, el('td', {}, q.name),
      el('td', {class: q.leader < 0 ? 'leaderless' : null}, q.leader < 0 ? 'none' : q.leader), el('td', {}, q.isr.join(', ')),
      el('td', {}, q.ready ?? '–'), el('td', {}, q.unacked ?? '–'), el('td', {}, q.consumers ?? '–'))),
      'no queue declared', 6);
}

function renderGroups(groups) {
  fill('groups', groups.map(g => el('tr', {'data-group': g.groupId}, el('td', {}, g.groupId), el('td', {}, g.state),
      el('td', {}, g.members))), 'no group coordinated here', 3);
}

function render(snapshot) {
  latest = snapshot;
  document.getElementById('served-by').textContent = 'served by broker ' + snapshot.brokerId;
  document.getElementById('metadata-offset').textContent = 'metadata offset ' + snapshot.metadataOffset;
  renderControllers(snapshot.controllers);
  renderBrokers(snapshot);
  renderTimeline(snapshot.timeline);
  renderTopics(snapshot);
  renderQueues(snapshot.queues);
  renderGroups(snapshot.groups);
}

function setConnection(live, text) {
  const badge = document.getElementById('connection');
  badge.className = 'badge ' + (live ? 'on' : 'off');
  badge.dataset.state = live ? 'live' : 'disconnected';
  badge.textContent = text;
}

async function adminRequest(method, path, body) {
  const answer = await fetch(path, {method, headers: {'Content-Type': 'application/json'},
      body: body ? JSON.stringify(body) : undefined});
  const json = await answer.json();
  document.getElementById('admin-result').textContent = json.error
      ? json.error.name + ': ' + json.error.message : 'done: ' + json.topic;
}

function deleteTopic(name) {
  if (confirm('Delete topic ' + name + ' and all its records?')) {
    adminRequest('DELETE', '/api/topics/' + encodeURIComponent(name));
  }
}

document.getElementById('create-topic').addEventListener('submit', event => {
  event.preventDefault();
  const form = event.target;
  adminRequest('POST', '/api/topics', {name: form.name.value,
      partitions: Number(form.partitions.value), replicationFactor: Number(form.replicationFactor.value)});
});

document.getElementById('show-internal').addEventListener('change', () => latest && renderTopics(latest));

const events = new EventSource('/api/events');
events.addEventListener('snapshot', event => {
  setConnection(true, 'live');
  render(JSON.parse(event.data));
});
// EventSource reconnects by itself (the stream asks for 1 s); until then the page says it is stale.
events.addEventListener('error', () => setConnection(false, 'reconnecting…'));
