// Runs ONNX files in ONNX Runtime (the npm package onnxruntime-node, CPU) for
// tests/onnx/check_export.py. Usage: node run_onnx.js RUNTIME_DIR JOBS.json
// RUNTIME_DIR holds node_modules/onnxruntime-node; JOBS.json is a list of
// {"model": path, "inputs": {name: {"file": raw float32 path, "dims": [...]}},
//  "outputs": {name: raw float32 path to write}}.
// Exits 77 when ONNX Runtime cannot be loaded (the test is then skipped), 1 on any other
// failure, 0 when every job ran and its outputs were written.
'use strict';
const fs = require('fs');
const path = require('path');

const [runtimeDir, jobsFile] = process.argv.slice(2);
let ort;
try {
  ort = require(path.join(path.resolve(runtimeDir), 'node_modules', 'onnxruntime-node'));
} catch (e) {
  console.error(`run_onnx: ONNX Runtime is not available in ${runtimeDir} (${e.message.split('\n')[0]}); ` +
                'run scripts/setup-onnxruntime');
  process.exit(77);
}
if (!jobsFile) {
  console.log(`onnxruntime-node ${ort.env.versions.node}`);
  process.exit(0);
}

function readFloats(file) {
  const bytes = fs.readFileSync(file);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
  for (const job of jobs) {
    const session = await ort.InferenceSession.create(job.model, {executionProviders: ['cpu']});
    const feeds = {};
    for (const [name, input] of Object.entries(job.inputs)) {
      feeds[name] = new ort.Tensor('float32', readFloats(input.file), input.dims);
    }
    const results = await session.run(feeds);
    for (const [name, file] of Object.entries(job.outputs)) {
      if (!(name in results)) throw new Error(`${job.model}: no output '${name}'`);
      const t = results[name];
      fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      fs.writeFileSync(file + '.dims', JSON.stringify(t.dims));
    }
    await session.release();
  }
}

main().catch((e) => {
  console.error(`run_onnx: ${e.stack || e}`);
  process.exit(1);
});
