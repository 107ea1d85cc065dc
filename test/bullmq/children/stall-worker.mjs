// A BullMQ worker that takes jobs and never finishes them: the parent SIGKILLs this process
// mid-job, and another worker must recover the jobs it held (they stall: their locks expire).
//   node stall-worker.mjs <root> <socket path> <socket|shm> <queue> <concurrency> <lockDuration ms>
// stdout: "R" once the worker runs, then "A <job id>" for every job it started.
const [root, path, transport, queueName, concurrency, lockDuration] = process.argv.slice(2);
const { Worker } = await import('bullmq');
const { default: Redis } = await import('ioredis');

// the same connections as the parent's (test/bullmq/workload.ts, connectionFactory)
const options = { path, maxRetriesPerRequest: null };
if (transport === 'shm') {
  const { ShmConnector } = await import(`${root}/dist/src/ioredis/index.js`);
  options.Connector = ShmConnector;
}
const connect = () => new Redis(options);
const worker = new Worker(queueName, async (job) => {
  console.log(`A ${job.id}`);
  // held until the process is killed
  await new Promise(() => {});
}, {
  connection: connect(),
  concurrency: Number(concurrency),
  lockDuration: Number(lockDuration),
  // no stalled checker here: its run would also hold off every other worker's check for a
  // stalledInterval (the queue's stalled-check key)
  skipStalledCheck: true,
  autorun: false,
});
worker.on('error', (e) => console.log(`E ${e.message}`));
await worker.waitUntilReady();
console.log('R');
worker.run().catch((e) => console.log(`E ${e.message}`));
