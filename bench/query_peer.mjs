// bench/query_peer.mjs - the peer of bench/query.sh: the /query a user would write in
// Node.js instead (node:http + @duckdb/node-api 1.4.4, DuckDB's default settings), measured
// on the same machine, data and requests. Not part of the product; bench/query.sh runs it
// with PEER=1 (it installs @duckdb/node-api into the build tree the first time).
//
//   node query_peer.mjs DB PORT
//
// POST /query {"sql": "..."}: JSON {"columns": [...], "rows": [[...]]} read whole
// (runAndReadAll + getRowsJson, the library's documented way), or, with Accept
// application/x-ndjson or text/csv, streamed chunk by chunk (stream + yieldRowsJson) with
// back-pressure. A pool of connections, one per request in flight.
import http from 'node:http';
import { DuckDBInstance } from '@duckdb/node-api';

const [, , dbPath, portText] = process.argv;
const instance = await DuckDBInstance.create(dbPath);
const idle = [];

async function withConnection(fn) {
  const conn = idle.pop() ?? (await instance.connect());
  try {
    return await fn(conn);
  } finally {
    idle.push(conn);
  }
}

function csvField(v) {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

function write(res, text) {
  return res.write(text) ? Promise.resolve() : new Promise((ok) => res.once('drain', ok));
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"healthy"}');
    return;
  }
  if (req.method !== 'POST' || req.url !== '/query') {
    res.writeHead(404);
    res.end();
    return;
  }
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', async () => {
    let sql;
    try {
      sql = JSON.parse(Buffer.concat(parts).toString()).sql;
    } catch {
      res.writeHead(400);
      res.end();
      return;
    }
    const accept = req.headers.accept ?? '';
    try {
      await withConnection(async (conn) => {
        if (accept.includes('ndjson') || accept.includes('csv')) {
          const csv = accept.includes('csv');
          const result = await conn.stream(sql);
          const names = result.columnNames();
          res.writeHead(200, { 'content-type': csv ? 'text/csv' : 'application/x-ndjson' });
          if (csv) await write(res, names.map(csvField).join(',') + '\r\n');
          for await (const rows of result.yieldRowsJson()) {
            let out = '';
            for (const row of rows) {
              if (csv) {
                out += row.map(csvField).join(',') + '\r\n';
              } else {
                const o = {};
                names.forEach((n, i) => (o[n] = row[i]));
                out += JSON.stringify(o) + '\n';
              }
            }
            await write(res, out);
          }
          res.end();
          return;
        }
        const reader = await conn.runAndReadAll(sql);
        const body = JSON.stringify({
          columns: reader.columnNamesAndTypesJson(),
          rows: reader.getRowsJson(),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      });
    } catch (e) {
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(e.message ?? e) }));
      } else {
        res.destroy();
      }
    }
  });
});
server.listen(Number(portText), '127.0.0.1');
