// Confluent's own Node.js schema registry client against the ledger's registry and serde.
// Usage: node interop.mjs <registryUrl> <subject> <payload.hex> <expected.json>
//   subject: the value subject the Java side registered (<topic>-value)
//   payload.hex: one line of hex, a Confluent-framed Avro value the Java serde wrote
//   expected.json: the same event as JSON (the Avro field names; instants as epoch millis)
// Prints INTEROP OK and exits 0, or prints INTEROP FAILED: <what> and exits 1.
import { readFileSync } from 'node:fs';
import { AvroDeserializer, RestError, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';

const [registryUrl, subject, payloadFile, expectedFile] = process.argv.slice(2);
if (!expectedFile) {
  console.error('usage: node interop.mjs <registryUrl> <subject> <payload.hex> <expected.json>');
  process.exit(2);
}

const fail = (what) => {
  console.log(`INTEROP FAILED: ${what}`);
  process.exit(1);
};
// Runs one step; a thrown error (a RestError carries the HTTP status) fails the run naming the step.
const step = async (name, action) => {
  try {
    return await action();
  } catch (e) {
    const http = e instanceof RestError ? ` (HTTP ${e.status}, error_code ${e.errorCode})` : '';
    return fail(`${name}: ${e?.message ?? e}${http}`);
  }
};
const newClient = () => new SchemaRegistryClient({ baseURLs: [registryUrl], maxRetries: 2, retriesWaitMs: 200 });

// Compared values are brought to one canonical JSON form first, because avsc (which the package
// decodes with) does not give back Java's types:
//   - long: a number (avsc's default long type), or a bigint with a custom long type: both to number;
//   - timestamp-millis: a number (no logical types registered), or a Date if they are: both to epoch millis;
//   - ["null", T] unions: the plain value or null (avsc unwraps unambiguous unions); a wrapped
//     {"string": "x"} form is unwrapped too; a missing value is null;
//   - enums: the symbol as a string; bytes: lower-case hex; maps and records: keys in sorted order.
const AVRO_BRANCHES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const canonical = (v) => {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && AVRO_BRANCHES.has(keys[0])) return canonical(v[keys[0]]);
    return Object.fromEntries(keys.sort().map((k) => [k, canonical(v[k])]));
  }
  return v;
};
const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

// 1. Register a schema of its own, then read it back by id with a fresh client (so from the registry, not a cache).
const probe = {
  type: 'record', name: 'NodeProbe', namespace: 'dev.usageledger.interop',
  fields: [{ name: 'note', type: 'string' }],
};
const probeSubject = `${subject}-node`;
const probeId = await step(`register ${probeSubject}`,
  () => newClient().register(probeSubject, { schemaType: 'AVRO', schema: JSON.stringify(probe) }));
if (!Number.isInteger(probeId) || probeId < 0) fail(`register ${probeSubject} gave no schema id (got ${JSON.stringify(probeId)})`);
console.log(`registered ${probeSubject}: id ${probeId}`);
const fetched = await step(`fetch schema id ${probeId}`, () => newClient().getBySubjectAndId(probeSubject, probeId));
if (!same(JSON.parse(fetched.schema), probe)) fail(`schema id ${probeId} read back differs from what was registered: ${fetched.schema}`);
if (fetched.schemaType != null && fetched.schemaType !== 'AVRO') fail(`schema id ${probeId} read back as type ${fetched.schemaType}`);
console.log(`fetched id ${probeId}: equals the registered NodeProbe schema`);

// 2. The Java side's subject, as any Confluent client sees it.
const client = newClient();
const latest = await step(`latest version of ${subject}`, () => client.getLatestSchemaMetadata(subject));
if (!Number.isInteger(latest.id) || !Number.isInteger(latest.version)) {
  fail(`latest version of ${subject} lacks id or version: ${JSON.stringify({ id: latest.id, version: latest.version })}`);
}
const writerName = JSON.parse(latest.schema).name;
console.log(`latest ${subject}: id ${latest.id}, version ${latest.version}, record ${writerName}`);

// 3. Decode the bytes the Java serde wrote, as a consumer of the topic would.
const topic = subject.replace(/-value$/, '');
const payload = Buffer.from(readFileSync(payloadFile, 'utf8').trim(), 'hex');
if (payload.length < 5 || payload[0] !== 0) fail(`the payload is not Confluent-framed (magic byte ${payload[0]}, ${payload.length} bytes)`);
const payloadId = payload.readInt32BE(1);
if (payloadId !== latest.id) fail(`the payload's schema id ${payloadId} is not ${subject}'s latest id ${latest.id}`);
const decoded = await step(`decode the payload for topic ${topic}`,
  () => new AvroDeserializer(client, SerdeType.VALUE, {}).deserialize(topic, payload));
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
const differences = [];
for (const [field, want] of Object.entries(expected)) {
  if (!(field in decoded)) differences.push(`${field}: missing from the decoded record`);
  else if (!same(decoded[field], want)) {
    differences.push(`${field}: expected ${JSON.stringify(canonical(want))}, got ${JSON.stringify(canonical(decoded[field]))}`);
  }
}
if (differences.length > 0) fail(differences.join('; '));
console.log(`INTEROP OK: @confluentinc/schemaregistry registered id ${probeId} and read it back, read ${subject} `
  + `v${latest.version} (id ${latest.id}), and decoded ${payload.length} bytes the Java serde wrote: `
  + `${Object.keys(expected).length} fields match (event_id ${decoded.event_id})`);
