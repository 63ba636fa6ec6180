import { Environment } from '@marcbachmann/cel-js';
import jsonata from 'jsonata';

const N = 200000;
const objs = Array.from({ length: N }, (_, i) => ({
  time: 'Sun Dec 04 04:47:44 2005',
  level: i % 3 ? 'notice' : 'error',
  message: 'workerEnv.init() ok /etc/httpd/conf/workers2.properties ' + i,
  pid: i,
}));
const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const t = env.parse(
  '{"ts": time, "severity": level.upperAscii(), "msg": message, "pid": pid, "host": "web-1"}',
);
try {
  console.log(t(objs[1]));
} catch (e) {
  console.log(e.message);
}
const t2 = env.parse(
  '{"ts": time, "severity": level, "msg": message, "pid": pid, "host": "web-1"}',
);
console.log(t2(objs[1]));
let t0 = performance.now();
for (const o of objs) t2(o);
let s = (performance.now() - t0) / 1000;
console.log('cel', Math.round(N / s), '/s');
t0 = performance.now();
for (const o of objs) t2(o);
s = (performance.now() - t0) / 1000;
console.log('cel', Math.round(N / s), '/s');
const j = jsonata(
  '{"ts": time, "severity": $uppercase(level), "msg": message, "pid": pid, "host": "web-1"}',
);
console.log(await j.evaluate(objs[1]));
t0 = performance.now();
for (const o of objs) await j.evaluate(o);
s = (performance.now() - t0) / 1000;
console.log('jsonata', Math.round(N / s), '/s');
t0 = performance.now();
for (const o of objs) await j.evaluate(o);
s = (performance.now() - t0) / 1000;
console.log('jsonata', Math.round(N / s), '/s');
t0 = performance.now();
await Promise.all(objs.map((o) => j.evaluate(o)));
s = (performance.now() - t0) / 1000;
console.log('jsonata all', Math.round(N / s), '/s');
const f = env.parse('level == "error"');
t0 = performance.now();
let k = 0;
for (const o of objs) if (f(o)) k++;
s = (performance.now() - t0) / 1000;
console.log('cel filter', Math.round(N / s), '/s', k);
t0 = performance.now();
for (const o of objs) JSON.parse(JSON.stringify(o));
s = (performance.now() - t0) / 1000;
console.log('json roundtrip', Math.round(N / s), '/s');
