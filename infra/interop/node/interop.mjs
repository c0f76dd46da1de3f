// Confluent's own Node.js schema registry client against the ledger's registry and serde.
// Usage: node interop.mjs <registryUrl> <subject> <payload.hex> <expected.json>
//   subject: the value subject the Java side registered (<topic>-value)
//   payload.hex: one line of hex, a Confluent-framed Avro value the Java serde wrote
//   expected.json: the same event as JSON (snake_case fields; instants as epoch millis)
import { readFileSync } from 'node:fs';
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';

const [registryUrl, subject, payloadFile, expectedFile] = process.argv.slice(2);
if (!expectedFile) {
  console.error('usage: node interop.mjs <registryUrl> <subject> <payload.hex> <expected.json>');
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const client = new SchemaRegistryClient({ baseURLs: [registryUrl], maxRetries: 2 });

// 1. Register a schema of its own, and fetch it back by id.
const probe = { type: 'record', name: 'NodeProbe', namespace: 'interop', fields: [{ name: 'note', type: 'string' }] };
const probeSubject = `${subject}-node`;
const probeId = await client.register(probeSubject, { schemaType: 'AVRO', schema: JSON.stringify(probe) });
const fetched = await client.getBySubjectAndId(probeSubject, probeId);
check(JSON.stringify(JSON.parse(fetched.schema)) === JSON.stringify(probe), `schema ${probeId} read back differs: ${fetched.schema}`);
console.log(`registered ${probeSubject} as id ${probeId} and read it back by id`);

// 2. The Java side's subject, as any Confluent client sees it.
const latest = await client.getLatestSchemaMetadata(subject);
console.log(`latest ${subject}: id ${latest.id}, version ${latest.version}`);

// 3. Decode the bytes the Java serde wrote.
const topic = subject.replace(/-value$/, '');
const payload = Buffer.from(readFileSync(payloadFile, 'utf8').trim(), 'hex');
check(payload.readUInt32BE(1) === latest.id, `payload schema id ${payload.readUInt32BE(1)} is not the latest id ${latest.id}`);
const decoded = await new AvroDeserializer(client, SerdeType.VALUE, {}).deserialize(topic, payload);
const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
// avsc gives longs as numbers, timestamp-millis as Date, and null-unions as the plain value.
const normalise = (v) => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? Number(v) : v);
for (const [field, want] of Object.entries(expected)) {
  const got = normalise(decoded[field]);
  check(JSON.stringify(got) === JSON.stringify(want), `${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}
if (failures.length > 0) {
  console.log(`INTEROP FAILED: ${failures.join('; ')}`);
  process.exit(1);
}
console.log(`INTEROP OK: @confluentinc/schemaregistry registered and fetched schemas and decoded the ledger's bytes `
  + `(${Object.keys(expected).length} fields of event ${decoded.event_id} match)`);
