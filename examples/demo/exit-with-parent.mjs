// Loaded into each Cloud Run function instance of the demo (`node --import`): the instance ends
// when the demo that started it has gone, however it went (a crash or SIGKILL gives it no chance
// to stop its children), as a platform's instances go with the platform. Lambda environments do
// the same through their IPC channel (local-runtime.mjs), workerd through Miniflare's pipe.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0); // signal 0: only asks whether the process is there
  } catch {
    process.exit(0);
  }
}, 500).unref();
