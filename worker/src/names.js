// How Durable Objects are named.
//
// - The catalog: one object named "catalog".
// - A namespace object: the JSON array [uid, namespace], where uid is the
//   incarnation id the catalog gave the index when it was created. Deleting
//   and re-creating an index under the same name gives a new uid, so the
//   new index can never see a record of the old one; and the JSON form keeps
//   every (uid, namespace) pair distinct whatever characters the namespace
//   holds.

export function catalogStub(env) {
  return env.CATALOG.get(env.CATALOG.idFromName('catalog'));
}

export function namespaceObjectName(uid, ns) {
  return JSON.stringify([uid, ns]);
}

export function namespaceStub(env, uid, ns) {
  return env.NAMESPACE.get(env.NAMESPACE.idFromName(namespaceObjectName(uid, ns)));
}
