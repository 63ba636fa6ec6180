import { Environment } from '@marcbachmann/cel-js';

const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
const tryit = (e, c) => {
  try {
    const v = env.evaluate(e, c);
    console.log(e, '=>', typeof v, v);
  } catch (err) {
    console.log(e, 'ERR', err.name, err.summary, err.range);
  }
};
tryit('constructor', {});
tryit('toString', { a: 1 });
tryit('pid + 1', { pid: 5 });
tryit('pid + 1.0', { pid: 5 });
tryit('pid == 5', { pid: 5 });
tryit('pid > 4', { pid: 5 });
tryit('int(pid) + 1', { pid: 5 });
tryit('{"n": 1, "b": b"x", "t": timestamp("2020-01-01T00:00:00Z"), "d": duration("1s")}', {});
tryit('[1, "a"]', {});
tryit('x', new Map([['x', 1]]));
tryit('"a"', {});
tryit('body.a.b', { body: { a: {} } });
tryit('a.b', { a: null });
tryit('level == "e"', Object.assign(Object.create({ level: 'e' }), { body: 1 }));
tryit('body', { body: { x: [1, 2] } });
tryit('size(body)', { body: [1, 2] });
